package org.moelab.kernel;

import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.magic.registry.CellMagicFunction;
import io.github.spencerpark.jupyter.kernel.magic.registry.LineMagicFunction;
import io.github.spencerpark.jupyter.kernel.magic.registry.Magics;
import io.github.spencerpark.jupyter.kernel.magic.registry.UndefinedMagicException;
import org.moelab.kernel.client.BackendClient;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Connects {@link Magic}s to a base kernel: registers each through the base kernel's {@link Magics} API (line and
 * cell form), gives them a {@link MagicContext} over the kernel's display stream, and owns the backend client.
 * The same host serves the moelab kernel and an IJava kernel.
 */
public final class MagicHost implements AutoCloseable {

    private final BaseKernel kernel;
    private final Magics magics;
    private final Map<String, Magic<?>> registered = new LinkedHashMap<>();
    private final Supplier<BackendClient> clientFactory;
    private BackendClient client;
    private Supplier<MagicContext> contextOverride;

    public MagicHost(BaseKernel kernel, Magics magics, Supplier<BackendClient> clientFactory) {
        this.kernel = kernel;
        this.magics = magics;
        this.clientFactory = clientFactory;
    }

    /** A host with every {@link MagicExtension} the class loader of this class (or the context loader) can see. */
    public static MagicHost withExtensions(BaseKernel kernel, Magics magics) {
        return withExtensions(kernel, magics, BackendClient::fromEnvironment);
    }

    public static MagicHost withExtensions(BaseKernel kernel, Magics magics, Supplier<BackendClient> clients) {
        MagicHost host = new MagicHost(kernel, magics, clients);
        host.loadExtensions();
        return host;
    }

    public void loadExtensions() {
        List<ClassLoader> loaders = new ArrayList<>(List.of(MagicHost.class.getClassLoader()));
        ClassLoader ctx = Thread.currentThread().getContextClassLoader();
        if (ctx != null && ctx != loaders.get(0)) loaders.add(ctx);
        for (ClassLoader cl : loaders) {
            for (MagicExtension ext : ServiceLoader.load(MagicExtension.class, cl)) {
                ext.register(this);
            }
        }
    }

    /** Registers {@code magic} as {@code %name} and {@code %%name}; a second magic of the same name is refused. */
    public void add(Magic<?> magic) {
        if (registered.containsKey(magic.name())) return; // the same extension seen through two class loaders
        registered.put(magic.name(), magic);
        magics.registerLineCellMagic(magic.name(), new Function(magic));
    }

    public Map<String, Magic<?>> magics() {
        return java.util.Collections.unmodifiableMap(registered);
    }

    /**
     * Runs magic {@code name}: one of ours directly, any other through the base kernel's registry.
     *
     * @param body the cell body for {@code %%name}, else null
     */
    public Object apply(String name, List<String> words, String body) throws Exception {
        Magic<?> m = registered.get(name);
        if (m != null) return m.execute(words, body, context());
        try {
            return body == null ? magics.applyLineMagic(name, words) : magics.applyCellMagic(name, words, body);
        } catch (UndefinedMagicException e) {
            throw new MagicException("unknown magic " + (body == null ? "%" : "%%") + name + "; available: "
                    + String.join(", ", registered.keySet().stream().map(n -> "%" + n).toList()));
        }
    }

    /** The result type of a registered magic, or null. */
    public Class<?> resultType(String name) {
        Magic<?> m = registered.get(name);
        return m == null ? null : m.resultType();
    }

    public synchronized BackendClient backend() {
        if (client == null) client = clientFactory.get();
        return client;
    }

    /** Sends magic output somewhere else than the kernel's display stream (tests, embedding). */
    public void useContext(Supplier<MagicContext> contexts) {
        this.contextOverride = contexts;
    }

    public MagicContext context() {
        if (contextOverride != null) return contextOverride.get();
        return new MagicContext() {
            @Override
            public void display(DisplayData data) {
                kernel.getIO().display.display(data);
            }

            @Override
            public String displayUpdatable(DisplayData data) {
                String id = "moelab-" + UUID.randomUUID();
                data.setDisplayId(id);
                kernel.getIO().display.display(data);
                return id;
            }

            @Override
            public void update(String displayId, DisplayData data) {
                kernel.getIO().display.updateDisplay(displayId, data);
            }

            @Override
            public PrintStream out() {
                return kernel.getIO().out;
            }

            @Override
            public BackendClient backend() {
                return MagicHost.this.backend();
            }
        };
    }

    /** Cancels the backend jobs the magics are waiting on (the kernel's interrupt). */
    public void interrupt() {
        BackendClient c;
        synchronized (this) {
            c = client;
        }
        if (c != null) c.cancelActiveJobs();
    }

    @Override
    public synchronized void close() {
        if (client != null) client.close();
        client = null;
    }

    /** Both base-kernel magic forms over one {@link Magic}. */
    private final class Function implements LineMagicFunction<Object>, CellMagicFunction<Object> {
        private final Magic<?> magic;

        Function(Magic<?> magic) {
            this.magic = magic;
        }

        @Override
        public Object execute(List<String> args) {
            return magic.execute(args, null, context());
        }

        @Override
        public Object execute(List<String> args, String body) {
            return magic.execute(args, body, context());
        }
    }
}
