package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

var (
	helmOnce sync.Once
	helmPath string
	helmErr  error
)

// helmBin returns helm HelmVersion: $NEWSFLOW_HELM, else the binary that
// `go install helm.sh/helm/v3/cmd/helm@HelmVersion` put in the cache (built
// on first use: a few minutes cold, nothing warm).
func helmBin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("NEWSFLOW_HELM"); p != "" {
		return p
	}
	helmOnce.Do(func() {
		dir := filepath.Join(cacheDir(t), "tools", "helm-"+HelmVersion)
		bin := filepath.Join(dir, "helm")
		if out, err := exec.Command(bin, "version", "--template", "{{.Version}}").Output(); err == nil && string(out) == HelmVersion {
			helmPath = bin
			return
		}
		t.Logf("installing helm %s into %s (go install; first run only)", HelmVersion, dir)
		// GOFLAGS is cleared so that a -mod setting of the caller does not apply to helm's module.
		out, err := run(t, os.TempDir(), []string{"GOBIN=" + dir, "GOFLAGS="},
			"go", "install", "-trimpath", "-ldflags", helmLDFlags, "helm.sh/helm/v3/cmd/helm@"+HelmVersion)
		if err != nil {
			helmErr = fmt.Errorf("go install helm %s: %v\n%s", HelmVersion, err, out)
			return
		}
		helmPath = bin
	})
	if helmErr != nil {
		unavailable(t, "%v", helmErr)
	}
	return helmPath
}

// chartValues are the values files the chart is checked with: the defaults
// and every ci/*-values.yaml (all options on, HPA, KEDA's Kafka scaler).
func chartValues(t testing.TB) map[string]string {
	t.Helper()
	files, err := filepath.Glob(repoPath(t, "deploy", "helm", "newsflow", "ci", "*-values.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "deploy/helm/newsflow/ci/*-values.yaml")
	m := map[string]string{"defaults": ""}
	for _, f := range files {
		m[strings.TrimSuffix(filepath.Base(f), "-values.yaml")] = f
	}
	return m
}

// helmTemplate renders the chart with a values file ("" for the defaults)
// and extra --set flags.
func helmTemplate(t testing.TB, values string, set ...string) (string, error) {
	t.Helper()
	args := []string{"template", "newsflow", repoPath(t, "deploy", "helm", "newsflow"), "--namespace", "news"}
	if values != "" {
		args = append(args, "--values", values)
	}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(helmBin(t), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

func TestHelmLint(t *testing.T) {
	helm := helmBin(t)
	chart := repoPath(t, "deploy", "helm", "newsflow")
	for name, values := range chartValues(t) {
		t.Run(name, func(t *testing.T) {
			args := []string{"lint", "--strict", chart}
			if values != "" {
				args = append(args, "--values", values)
			}
			out, err := run(t, "", nil, helm, args...)
			t.Log(strings.TrimSpace(out))
			require.NoError(t, err, "helm %s", strings.Join(args, " "))
			// helm lint reports a template's `fail` as an INFO line and passes: a
			// values file that trips one of the chart's own checks is a failure here.
			require.NotContains(t, out, "Fail:", "a template fail()ed under these values")
			require.Contains(t, out, "1 chart(s) linted, 0 chart(s) failed")
		})
	}
}

// object is one rendered manifest, decoded strictly into its API type.
type object struct {
	kind, name string
	obj        any
}

func TestHelmTemplateDecodesStrictly(t *testing.T) {
	for name, values := range chartValues(t) {
		t.Run(name, func(t *testing.T) {
			out, err := helmTemplate(t, values)
			require.NoError(t, err)
			objs := decodeManifests(t, out)
			require.NotEmpty(t, objs)
			kinds := map[string]int{}
			for _, o := range objs {
				kinds[o.kind]++
			}
			t.Logf("%d objects: %v", len(objs), kinds)
			require.GreaterOrEqual(t, kinds["Deployment"], 1)
			checkRendered(t, objs, chartPartitions(t, values))
		})
	}
}

// TestHelmRejectsBadValues: the schema and the templates' own checks refuse
// what would deploy badly, with a message naming the values.
func TestHelmRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		set  []string
		want string
	}{
		{"more consumers than partitions", []string{"consumer.replicas=7"}, "consumer.replicas (7) exceeds kafka.partitions (6)"},
		{"an HPA that may outgrow the partitions", []string{"consumer.autoscaling.enabled=true", "consumer.autoscaling.maxReplicas=9"}, "consumer.autoscaling.maxReplicas (9) exceeds kafka.partitions (6)"},
		{"a KEDA maximum above the partitions", []string{"consumer.keda.enabled=true", "consumer.keda.maxReplicaCount=12"}, "consumer.keda.maxReplicaCount (12) exceeds kafka.partitions (6)"},
		{"HPA and KEDA at once", []string{"consumer.autoscaling.enabled=true", "consumer.keda.enabled=true"}, "are exclusive"},
		{"a misspelt key", []string{"consumer.replica=3"}, "additional properties 'replica' not allowed"},
		{"a writable root filesystem", []string{"securityContext.readOnlyRootFilesystem=false"}, "readOnlyRootFilesystem"},
		{"root", []string{"podSecurityContext.runAsNonRoot=false"}, "runAsNonRoot"},
		{"a producer without a source", []string{"producer.enabled=true"}, "a producer needs at least one source"},
		{"a push endpoint without a token", []string{"producer.enabled=true", "producer.push.enabled=true"}, "producer.push.existingSecret"},
		{"a chart setting overridden in settings", []string{"consumer.settings.NEWSFLOW_GROUP=other"}, "NEWSFLOW_GROUP"},
		{"a setting that is not a NEWSFLOW variable", []string{"consumer.settings.BATCH=1"}, "BATCH"},
		{"a grace period shorter than the drain", []string{"consumer.terminationGracePeriodSeconds=20"}, "consumer.terminationGracePeriodSeconds (20) must exceed consumer.shutdownTimeoutSeconds (30)"},
		{"SASL without a secret", []string{"kafka.sasl.enabled=true", "kafka.sasl.username=u"}, "kafka.sasl.existingSecret"},
		{"an unknown SASL mechanism", []string{"kafka.sasl.mechanism=gssapi"}, "mechanism"},
		{"an unknown dedup store", []string{"dedup.store=memory"}, "dedup"},
		{"a redis database on a cluster", []string{"dedup.redis.cluster=true", "dedup.redis.db=3"}, "dedup.redis.db (3) with a cluster"},
		{"a redis address without a port", []string{"dedup.redis.addrs={redis}"}, "addrs"},
		{"a redis TLS secret with TLS off", []string{"dedup.redis.tls.existingSecret=redis-tls"}, "dedup.redis.tls.existingSecret needs dedup.redis.tls.enabled"},
		{"a redis client certificate without its key", []string{"dedup.redis.tls.enabled=true", "dedup.redis.tls.existingSecret=redis-tls", "dedup.redis.tls.certKey=tls.crt"}, "set both certKey and keyKey"},
		{"a redis user without a password secret", []string{"dedup.redis.auth.username=newsflow"}, "dedup.redis.auth.existingSecret"},
		{"a hash tag in the redis key prefix", []string{"dedup.redis.keyPrefix={nf}"}, "keyPrefix"},
		{"a dedup setting overridden in settings", []string{"consumer.settings.NEWSFLOW_DEDUP_REDIS_ADDR=other:6379"}, "NEWSFLOW_DEDUP_REDIS_ADDR"},
		{"a persistent producer with two replicas", []string{"producer.enabled=true", "producer.feeds={https://x.example/feed}", "producer.persistence.enabled=true", "producer.replicas=2"}, "allows one replica"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := helmTemplate(t, "", tt.set...)
			require.Error(t, err, "helm template --set %v rendered", tt.set)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

// chartPartitions reads kafka.partitions of a values file (default 6).
func chartPartitions(t testing.TB, values string) int {
	t.Helper()
	var v struct {
		Kafka struct {
			Partitions int `json:"partitions"`
		} `json:"kafka"`
	}
	file := values
	if file == "" {
		file = repoPath(t, "deploy", "helm", "newsflow", "values.yaml")
	}
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &v))
	if v.Kafka.Partitions == 0 {
		return 6
	}
	return v.Kafka.Partitions
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// decodeManifests splits helm's output into documents and decodes each
// strictly (unknown or duplicate fields fail) into its Kubernetes API type.
func decodeManifests(t testing.TB, manifests string) []object {
	t.Helper()
	var objs []object
	for _, doc := range docSep.Split(manifests, -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var tm metav1.TypeMeta
		require.NoError(t, yaml.Unmarshal([]byte(doc), &tm), "manifest:\n%s", doc)
		var target any
		switch tm.APIVersion + "/" + tm.Kind {
		case "v1/ConfigMap":
			target = &corev1.ConfigMap{}
		case "v1/Service":
			target = &corev1.Service{}
		case "v1/ServiceAccount":
			target = &corev1.ServiceAccount{}
		case "v1/PersistentVolumeClaim":
			target = &corev1.PersistentVolumeClaim{}
		case "apps/v1/Deployment":
			target = &appsv1.Deployment{}
		case "policy/v1/PodDisruptionBudget":
			target = &policyv1.PodDisruptionBudget{}
		case "autoscaling/v2/HorizontalPodAutoscaler":
			target = &autoscalingv2.HorizontalPodAutoscaler{}
		case "monitoring.coreos.com/v1/ServiceMonitor":
			target = &monitoringv1.ServiceMonitor{}
		case "monitoring.coreos.com/v1/PrometheusRule":
			target = &monitoringv1.PrometheusRule{}
		case "keda.sh/v1alpha1/ScaledObject":
			validateCRD(t, "keda.sh_scaledobjects.yaml", "v1alpha1", []byte(doc))
			target = &unstructuredObject{}
		default:
			t.Fatalf("rendered %s %s: no API type to check it against; add it to decodeManifests", tm.APIVersion, tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			t.Fatalf("%s does not decode strictly into %T: %v\n%s", tm.Kind, target, err, doc)
		}
		objs = append(objs, object{kind: tm.Kind, name: objectName(target), obj: target})
	}
	return objs
}

// unstructuredObject is a custom resource checked against its CRD schema;
// its metadata still decodes strictly into ObjectMeta.
type unstructuredObject struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            map[string]any    `json:"spec"`
}

func objectName(o any) string {
	if m, ok := o.(metav1.Object); ok {
		return m.GetName()
	}
	if u, ok := o.(*unstructuredObject); ok {
		return u.Metadata.Name
	}
	return ""
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// checkRendered checks what the chart promises beyond the API types.
func checkRendered(t *testing.T, objs []object, partitions int) {
	configMaps := map[string]*corev1.ConfigMap{}
	deployments := map[string]*appsv1.Deployment{}
	var services []*corev1.Service
	for _, o := range objs {
		switch v := o.obj.(type) {
		case *corev1.ConfigMap:
			configMaps[v.Name] = v
		case *appsv1.Deployment:
			deployments[v.Name] = v
		case *corev1.Service:
			services = append(services, v)
		}
	}
	for _, d := range deployments {
		t.Run("Deployment "+d.Name, func(t *testing.T) { checkDeployment(t, d, configMaps, partitions) })
	}
	for _, s := range services {
		t.Run("Service "+s.Name, func(t *testing.T) {
			d := selectedDeployment(t, s.Spec.Selector, deployments)
			for _, p := range s.Spec.Ports {
				require.True(t, hasPort(d, p.TargetPort), "targetPort %s is no port of %s", p.TargetPort.String(), d.Name)
			}
		})
	}
	for _, o := range objs {
		switch v := o.obj.(type) {
		case *policyv1.PodDisruptionBudget:
			t.Run("PodDisruptionBudget "+v.Name, func(t *testing.T) {
				selectedDeployment(t, v.Spec.Selector.MatchLabels, deployments)
			})
		case *autoscalingv2.HorizontalPodAutoscaler:
			t.Run("HorizontalPodAutoscaler "+v.Name, func(t *testing.T) {
				require.Contains(t, deployments, v.Spec.ScaleTargetRef.Name)
				require.LessOrEqual(t, int(v.Spec.MaxReplicas), partitions, "maxReplicas above the partition count")
				require.Nil(t, deployments[v.Spec.ScaleTargetRef.Name].Spec.Replicas, "an autoscaled Deployment must not set replicas")
			})
		case *unstructuredObject:
			t.Run(v.Kind+" "+v.Metadata.Name, func(t *testing.T) {
				target := v.Spec["scaleTargetRef"].(map[string]any)["name"].(string)
				require.Contains(t, deployments, target)
				require.LessOrEqual(t, int(v.Spec["maxReplicaCount"].(float64)), partitions, "maxReplicaCount above the partition count")
				require.Nil(t, deployments[target].Spec.Replicas, "a KEDA-scaled Deployment must not set replicas")
				for _, tr := range v.Spec["triggers"].([]any) {
					trig := tr.(map[string]any)
					if trig["type"] == "prometheus" {
						checkPromQL(t, "ScaledObject query", trig["metadata"].(map[string]any)["query"].(string))
					}
				}
			})
		case *monitoringv1.ServiceMonitor:
			t.Run("ServiceMonitor "+v.Name, func(t *testing.T) {
				n := 0
				for _, s := range services {
					if labelsMatch(v.Spec.Selector.MatchLabels, s.Labels) {
						n++
						require.Equal(t, "metrics", s.Spec.Ports[0].Name)
						require.Regexp(t, `^newsflow-(producer|consumer)$`, s.Labels[v.Spec.JobLabel], "job label of %s", s.Name)
					}
				}
				require.Equal(t, len(deployments), n, "the ServiceMonitor selects one metrics Service per Deployment")
				require.Equal(t, "metrics", v.Spec.Endpoints[0].Port)
			})
		case *monitoringv1.PrometheusRule:
			t.Run("PrometheusRule "+v.Name, func(t *testing.T) {
				b, err := os.ReadFile(repoPath(t, "deploy", "prometheus", "rules", "newsflow.rules.yml"))
				require.NoError(t, err)
				var want monitoringv1.PrometheusRuleSpec
				require.NoError(t, yaml.UnmarshalStrict(b, &want))
				require.Equal(t, want, v.Spec, "the chart's files/newsflow.rules.yml differs from deploy/prometheus/rules/newsflow.rules.yml: copy it")
			})
		}
	}
}

func checkDeployment(t *testing.T, d *appsv1.Deployment, configMaps map[string]*corev1.ConfigMap, partitions int) {
	pod := d.Spec.Template.Spec
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	require.NotEmpty(t, c.Args, "the subcommand chooses the role")
	role := c.Args[0]
	require.Contains(t, []string{"produce", "consume"}, role)
	if role == "consume" && d.Spec.Replicas != nil {
		require.LessOrEqual(t, int(*d.Spec.Replicas), partitions, "consumer replicas above the partition count")
	}
	require.True(t, labelsMatch(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels), "selector does not match the pod labels")

	// Settings: every NEWSFLOW_* variable is one the command reads.
	env := map[string]string{}
	for _, ef := range c.EnvFrom {
		require.NotNil(t, ef.ConfigMapRef, "envFrom other than a ConfigMap")
		cm, ok := configMaps[ef.ConfigMapRef.Name]
		require.True(t, ok, "envFrom names ConfigMap %s, which the chart does not render", ef.ConfigMapRef.Name)
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	require.Empty(t, unknownEnv(t, role, names), "variables that `newsflow %s --help` does not list", role)
	if role == "consume" {
		// The dedup store: Redis by default, with its settings; the
		// fingerprint index renders none of them.
		store := env["NEWSFLOW_DEDUP_STORE"]
		require.Contains(t, []string{"redis", "elasticsearch"}, store, "NEWSFLOW_DEDUP_STORE")
		for k := range env {
			if strings.HasPrefix(k, "NEWSFLOW_DEDUP_REDIS_") || k == "NEWSFLOW_DEDUP_RETENTION" {
				require.Equal(t, "redis", store, "%s rendered for the %s store", k, store)
			}
		}
		if store == "redis" {
			require.NotEmpty(t, env["NEWSFLOW_DEDUP_REDIS_ADDR"])
		}
	}
	for _, secret := range []string{"NEWSFLOW_KAFKA_PASSWORD", "NEWSFLOW_ELASTICSEARCH_PASSWORD", "NEWSFLOW_ELASTICSEARCH_API_KEY", "NEWSFLOW_DEDUP_REDIS_PASSWORD"} {
		require.NotContains(t, env, secret, "secrets are files (*_FILE), never variables")
	}

	// Every *_FILE setting points into a mounted volume.
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	for _, m := range c.VolumeMounts {
		require.Contains(t, volumes, m.Name, "volumeMount %s has no volume", m.Name)
	}
	for k, v := range env {
		if strings.HasSuffix(k, "_FILE") || k == "NEWSFLOW_DATA_DIR" {
			found := false
			for path, vol := range mounts {
				if v == path || strings.HasPrefix(v, path+"/") {
					found = true
					if strings.HasSuffix(k, "_FILE") {
						s := volumes[vol].Secret
						require.NotNil(t, s, "%s=%s is not on a Secret volume", k, v)
						rel := strings.TrimPrefix(v, path+"/")
						ok := false
						for _, it := range s.Items {
							ok = ok || it.Path == rel
						}
						require.True(t, ok, "%s=%s: Secret volume %s has no item %s", k, v, vol, rel)
					}
				}
			}
			require.True(t, found, "%s=%s is not under any volumeMount", k, v)
		}
	}

	// Restricted pod security standard.
	psc := pod.SecurityContext
	require.NotNil(t, psc)
	require.True(t, psc.RunAsNonRoot != nil && *psc.RunAsNonRoot, "pod runAsNonRoot")
	require.True(t, psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault, "seccomp RuntimeDefault")
	sc := c.SecurityContext
	require.NotNil(t, sc)
	require.True(t, sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation, "allowPrivilegeEscalation false")
	require.True(t, sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, "readOnlyRootFilesystem")
	require.True(t, sc.Capabilities != nil && len(sc.Capabilities.Drop) == 1 && sc.Capabilities.Drop[0] == "ALL" && len(sc.Capabilities.Add) == 0, "capabilities drop ALL, add none")
	require.False(t, pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken, "no service account token")
	require.Contains(t, mounts, "/tmp", "a writable /tmp on an emptyDir")

	// Probes on the metrics port, which is NEWSFLOW_METRICS_ADDR's port.
	require.NotNil(t, c.LivenessProbe)
	require.NotNil(t, c.ReadinessProbe)
	require.NotNil(t, c.StartupProbe)
	require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	require.Equal(t, "/healthz", c.StartupProbe.HTTPGet.Path)
	require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		require.Equal(t, intstr.FromString("metrics"), p.HTTPGet.Port)
	}
	metricsPort := -1
	for _, p := range c.Ports {
		if p.Name == "metrics" {
			metricsPort = int(p.ContainerPort)
		}
	}
	require.NotEqual(t, -1, metricsPort, "no port named metrics")
	require.Equal(t, ":"+strconv.Itoa(metricsPort), env["NEWSFLOW_METRICS_ADDR"])
	if addr, ok := env["NEWSFLOW_LISTEN"]; ok {
		require.True(t, hasPort(d, intstr.FromString("push")))
		require.Equal(t, fmt.Sprintf(":%d", portNamed(c, "push")), addr)
	}

	// Resources and the drain.
	require.NotEmpty(t, c.Resources.Requests, "resource requests")
	require.NotEmpty(t, c.Resources.Limits, "resource limits")
	require.NotNil(t, pod.TerminationGracePeriodSeconds)
	if st, ok := env["NEWSFLOW_SHUTDOWN_TIMEOUT"]; ok {
		secs, err := strconv.Atoi(strings.TrimSuffix(st, "s"))
		require.NoError(t, err)
		require.Greater(t, int(*pod.TerminationGracePeriodSeconds), secs, "grace period must exceed the shutdown timeout")
	}
}

func portNamed(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return -1
}

func hasPort(d *appsv1.Deployment, port intstr.IntOrString) bool {
	for _, p := range d.Spec.Template.Spec.Containers[0].Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return true
		}
	}
	return false
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// selectedDeployment returns the one Deployment whose pods selector selects.
func selectedDeployment(t *testing.T, selector map[string]string, deployments map[string]*appsv1.Deployment) *appsv1.Deployment {
	t.Helper()
	var found []*appsv1.Deployment
	for _, d := range deployments {
		if labelsMatch(selector, d.Spec.Template.Labels) {
			found = append(found, d)
		}
	}
	require.Len(t, found, 1, "selector %v selects %d Deployments", selector, len(found))
	return found[0]
}

// validateCRD checks a custom resource against the openAPIV3Schema of its
// CRD, shipped in the pinned operator module, with unknown fields refused as
// the API server's strict field validation refuses them.
func validateCRD(t testing.TB, crdFile, version string, doc []byte) {
	t.Helper()
	schema := crdSchema(t, crdFile, version)
	var inst any
	j, err := yaml.YAMLToJSON(doc)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(j, &inst))
	if err := schema.Validate(inst); err != nil {
		t.Fatalf("a custom resource does not validate against %s %s: %#v\n%s", crdFile, version, err, doc)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
