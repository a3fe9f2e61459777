package org.moelab.kernel.magics;

import org.moelab.kernel.MagicExtension;
import org.moelab.kernel.MagicHost;

/** The %moe-* magics (registered through META-INF/services/org.moelab.kernel.MagicExtension). */
public final class MoeMagics implements MagicExtension {

    @Override
    public void register(MagicHost host) {
        host.add(new ModelsMagic());
        host.add(new QuantizeMagic());
        host.add(new AllocateMagic());
        host.add(new GenerateMagic());
        host.add(new UnloadMagic());
        host.add(new EvalMagic());
        host.add(new CompareMagic());
        host.add(new SweepMagic());
    }
}
