package io.reactivewspool.test;

import org.junit.jupiter.api.extension.Extension;
import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound (with the integrations on the test class path, {@link TestBlockHoundIntegration}
 * among them) before the first test runs: every test of this module fails on a blocking call on an
 * event loop or a Reactor non-blocking thread. Registered for every test class through extension
 * auto-detection.
 *
 * <p>What {@code blockhound-junit-platform} does with a launcher listener, moved into an extension:
 * with two Failsafe forks, Failsafe creates a JUnit launcher inside Maven's own JVM to list the test
 * classes, and a listener installed there fails for want of
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods}. Extensions are only instantiated in the forks.
 */
public final class BlockHoundExtension implements Extension {

    static {
        BlockHound.install();
    }
}
