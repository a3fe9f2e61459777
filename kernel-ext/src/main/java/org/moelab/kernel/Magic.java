package org.moelab.kernel;

import org.moelab.kernel.render.Rich;

import java.util.List;

/**
 * One notebook magic: a declared {@link MagicSchema}, a typed result, and {@link #run} which shows its outputs
 * itself (so it behaves the same in the moelab kernel and in IJava, which drops a magic's return value) and
 * returns the result for {@code var x = %magic ...}.
 *
 * @param <R> the result type; the moelab kernel casts {@code var x = %magic} to it
 */
public abstract class Magic<R> {

    private final MagicSchema schema;
    private final Class<R> resultType;

    protected Magic(MagicSchema schema, Class<R> resultType) {
        this.schema = schema;
        this.resultType = resultType;
    }

    public final String name() {
        return schema.name();
    }

    public final MagicSchema schema() {
        return schema;
    }

    public final Class<R> resultType() {
        return resultType;
    }

    /**
     * @param args typed and checked arguments (never --help)
     * @param body the cell body for {@code %%name}, else null
     */
    protected abstract R run(MagicSchema.Args args, String body, MagicContext ctx) throws Exception;

    /**
     * Parses, shows --help, runs. Problems the user can fix become a one-line {@link MagicException} naming
     * this magic; an interrupt (the notebook's stop button) becomes one too, after {@link #run} has cleaned up.
     *
     * @return the result, or null after --help
     */
    public final R execute(List<String> words, String body, MagicContext ctx) {
        MagicSchema.Args args = schema.parseWords(words);
        if (args.help()) {
            ctx.display(Rich.of(schema.help(), "<pre>" + org.moelab.kernel.render.Html.escape(schema.help()) + "</pre>"));
            return null;
        }
        if (body != null && !schema.acceptsBody()) {
            throw schema.fail("is a line magic: write %" + name() + " on one line (not %%" + name() + ")");
        }
        try {
            return run(args, body, ctx);
        } catch (MagicException e) {
            throw e.getMessage() != null && e.getMessage().startsWith("%") ? e : schema.fail(e.getMessage());
        } catch (InterruptedException e) {
            // not re-flagged: the thread still publishes output, which an interrupt flag would break (ZeroMQ over NIO)
            throw schema.fail("interrupted");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new MagicException("%" + name() + ": " + e, e);
        }
    }
}
