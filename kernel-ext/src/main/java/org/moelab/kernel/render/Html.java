package org.moelab.kernel.render;

import java.util.List;
import java.util.Locale;

/** Small HTML builders for magic output: escaped text, plain tables, a progress bar. No CSS framework. */
public final class Html {

    private Html() {
    }

    public static String escape(Object o) {
        String s = String.valueOf(o);
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A table; cells are escaped. An optional caption goes above it. */
    public static String table(String caption, List<String> headers, List<? extends List<?>> rows) {
        StringBuilder sb = new StringBuilder("<table class=\"moelab\" style=\"border-collapse:collapse;font-size:90%\">");
        if (caption != null) sb.append("<caption style=\"text-align:left;font-weight:bold\">").append(escape(caption)).append("</caption>");
        sb.append("<thead><tr>");
        for (String h : headers) sb.append("<th style=\"text-align:left;padding:2px 8px;border-bottom:1px solid #999\">").append(escape(h)).append("</th>");
        sb.append("</tr></thead><tbody>");
        for (List<?> r : rows) {
            sb.append("<tr>");
            for (Object c : r) sb.append("<td style=\"padding:2px 8px\">").append(escape(c == null ? "" : c)).append("</td>");
            sb.append("</tr>");
        }
        return sb.append("</tbody></table>").toString();
    }

    /** The same table as aligned plain text (text/plain fallback). */
    public static String textTable(String caption, List<String> headers, List<? extends List<?>> rows) {
        int[] w = new int[headers.size()];
        for (int i = 0; i < w.length; i++) w[i] = headers.get(i).length();
        for (List<?> r : rows) {
            for (int i = 0; i < Math.min(w.length, r.size()); i++) w[i] = Math.max(w[i], String.valueOf(r.get(i) == null ? "" : r.get(i)).length());
        }
        StringBuilder sb = new StringBuilder();
        if (caption != null) sb.append(caption).append('\n');
        line(sb, headers, w);
        for (List<?> r : rows) line(sb, r, w);
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<?> cells, int[] w) {
        for (int i = 0; i < w.length; i++) {
            Object c = i < cells.size() ? cells.get(i) : "";
            sb.append(String.format("%-" + w[i] + "s", c == null ? "" : c));
            if (i + 1 < w.length) sb.append("  ");
        }
        sb.append('\n');
    }

    /** A horizontal bar filled to {@code fraction} with a label beside it. */
    public static String progressBar(double fraction, String label) {
        double f = Math.max(0, Math.min(1, fraction));
        return String.format(Locale.ROOT, "<div style=\"display:flex;align-items:center;gap:8px;font-family:monospace\">"
                + "<div style=\"width:320px;height:14px;border:1px solid #888;background:#eee\">"
                + "<div style=\"width:%.1f%%;height:100%%;background:#3b528b\"></div></div><span>%s</span></div>", 100 * f, escape(label));
    }

    /** The text form of {@link #progressBar}: {@code [#####.....]  42%  label}. */
    public static String textProgressBar(double fraction, String label) {
        double f = Math.max(0, Math.min(1, fraction));
        int filled = (int) Math.round(30 * f);
        return "[" + "#".repeat(filled) + ".".repeat(30 - filled) + "] " + String.format(Locale.ROOT, "%3.0f%%", 100 * f) + "  " + label;
    }

    public static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
