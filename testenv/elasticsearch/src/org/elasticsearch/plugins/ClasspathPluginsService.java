package org.elasticsearch.plugins;

import org.elasticsearch.Build;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.env.Environment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PluginsService whose modules are classes already on the JVM class path.
 *
 * <p>The Elasticsearch distribution loads each module (transport-netty4, ...) from its own directory
 * with a plugin descriptor. Maven Central serves the module jars but not that directory layout, so
 * newsflow's test node puts them on the class path and registers them here, the way Elasticsearch's
 * own integration-test nodes do. The plugin code that runs is the same.
 */
public final class ClasspathPluginsService extends PluginsService {
    private final List<LoadedPlugin> loaded;

    public ClasspathPluginsService(Environment env, Collection<Class<? extends Plugin>> classes) {
        super(env.settings(), env.configDir(), new PluginsLoader(Set.of(), Set.of(), Map.of()));
        List<LoadedPlugin> list = new ArrayList<>();
        for (Class<? extends Plugin> c : classes) {
            Plugin p = loadPlugin(c, env.settings(), env.configDir());
            PluginDescriptor d = new PluginDescriptor(
                c.getName(), "module on the class path", Build.current().version(), Build.current().version(),
                Integer.toString(Runtime.version().feature()), c.getName(), null, List.of(), false, false, false, false
            );
            list.add(new LoadedPlugin(d, p, ClasspathPluginsService.class.getClassLoader()));
        }
        loadExtensions(list);
        this.loaded = List.copyOf(list);
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return loaded;
    }

    @Override
    public PluginsAndModules info() {
        return new PluginsAndModules(List.of(), loaded.stream().map(LoadedPlugin::descriptor).toList());
    }
}
