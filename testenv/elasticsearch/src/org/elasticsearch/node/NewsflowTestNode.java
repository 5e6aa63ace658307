package org.elasticsearch.node;

import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts one real Elasticsearch node for newsflow's integration tests.
 *
 * <p>Usage: {@code java -cp <server and module jars>:<this> org.elasticsearch.node.NewsflowTestNode ES_HOME PluginClass...}
 * where ES_HOME holds config/elasticsearch.yml and config/log4j2.properties.
 *
 * <p>This replaces the distribution's launcher (bin/elasticsearch and its server-cli), which Maven Central does not
 * serve, and so skips what only that launcher does: the JVM options it computes, the entitlement agent
 * (sandboxing), the native system-call filter and the production bootstrap checks. Everything behind the REST API
 * (cluster coordination, indexing, Lucene, search) is the node of the org.elasticsearch:elasticsearch jar.
 * SIGTERM closes the node gracefully.
 */
public final class NewsflowTestNode extends Node {

    private NewsflowTestNode(Environment env, List<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(env, null, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment environment, PluginsLoader loader) {
                return new ClasspathPluginsService(environment, plugins);
            }
        }, true));
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: NewsflowTestNode ES_HOME [PluginClass...]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            plugins.add(Class.forName(args[i]).asSubclass(Plugin.class));
        }

        LogConfigurator.registerErrorListener();
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            Settings.builder().put(Environment.PATH_HOME_SETTING.getKey(), home.toString()).build(),
            Map.of(),
            home.resolve("config"),
            () -> "newsflow-test"
        );
        LogConfigurator.setClusterName(ClusterName.CLUSTER_NAME_SETTING.get(env.settings()).value());
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(env.settings()));
        LogConfigurator.configure(env, true);

        NewsflowTestNode node = new NewsflowTestNode(env, plugins);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.prepareForClose();
                node.close();
                if (node.awaitClose(20, TimeUnit.SECONDS) == false) {
                    System.err.println("node did not stop within 20s");
                }
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "newsflow-test-node-shutdown"));
        node.start();
        stopped.await();
    }
}
