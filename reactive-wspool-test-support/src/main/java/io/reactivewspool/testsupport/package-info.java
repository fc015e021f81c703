/**
 * Loopback fixtures shared by the test suites of every module and by the chaos campaign of the
 * benchmarks: {@link io.reactivewspool.testsupport.TcpFaultProxy}, a TCP proxy that freezes, resets,
 * delays or stalls network paths on demand; {@link io.reactivewspool.testsupport.RedisServerProcess},
 * a real {@code redis-server} on a loopback port that can be killed and restarted; and
 * {@link io.reactivewspool.testsupport.LoopbackProcess}, the child-process control both of them and
 * the campaign's hub processes rest on.
 *
 * <p>Not a public API: the module is never published, depends on Netty only (never on the core, so
 * that the core can use it in test scope), and changes with the tests that use it.
 */
package io.reactivewspool.testsupport;
