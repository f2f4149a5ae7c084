package org.elasticsearch.plugins;

import org.elasticsearch.Build;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A plugins service that loads its plugins from the classpath instead of a `modules/` folder.
 *
 * <p>Elasticsearch's own distribution unpacks each module into a folder with a descriptor and loads it
 * in a module layer of its own. Maven Central has the module jars but not the folders, so the local
 * node puts them on the classpath and registers them here (what codelibs' cluster runner does, and
 * what Elasticsearch's test framework calls a classpath plugin). It lives in this package because the
 * hooks it needs (`LoadedPlugin`, `loadPlugin`, `loadExtensions`) are package-private.
 */
public class ParleyClasspathPlugins extends PluginsService {

    private final List<LoadedPlugin> loaded;

    public ParleyClasspathPlugins(Settings settings, Environment environment, Collection<Class<? extends Plugin>> classes) {
        super(settings, environment.configDir(), emptyLoader());
        List<LoadedPlugin> plugins = new ArrayList<>();
        for (Class<? extends Plugin> pluginClass : classes) {
            Plugin plugin = loadPlugin(pluginClass, settings, environment.configDir());
            PluginDescriptor descriptor = new PluginDescriptor(
                pluginClass.getName(),
                "classpath module",
                "NA",
                Build.current().version(),
                Integer.toString(Runtime.version().feature()),
                pluginClass.getName(),
                null,
                List.of(),
                false,
                false,
                false,
                false
            );
            plugins.add(new LoadedPlugin(descriptor, plugin, ParleyClasspathPlugins.class.getClassLoader()));
        }
        loadExtensions(plugins);
        this.loaded = List.copyOf(plugins);
    }

    /** A loader with no module or plugin folders (its public factory wants the module system). */
    public static PluginsLoader emptyLoader() {
        return new PluginsLoader(Set.of(), Set.of(), Map.of());
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return loaded;
    }

    @Override
    public PluginsAndModules info() {
        return new PluginsAndModules(loaded.stream().map(LoadedPlugin::descriptor).map(PluginRuntimeInfo::new).toList(), List.of());
    }
}
