package itest

import (
	"flag"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeTB records Skip and Fatal instead of acting on the real test; like the
// real ones they end the calling goroutine.
type fakeTB struct {
	testing.TB
	name    string
	skipped bool
	failed  bool
	msg     string
}

func (f *fakeTB) Helper()             {}
func (f *fakeTB) Name() string        { return f.name }
func (f *fakeTB) Cleanup(func())      {}
func (f *fakeTB) Logf(string, ...any) {}
func (f *fakeTB) Skip(args ...any)    { f.skipped, f.msg = true, fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Skipf(s string, a ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(s, a...)
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) { f.failed, f.msg = true, fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Fatalf(s string, a ...any) {
	f.failed, f.msg = true, fmt.Sprintf(s, a...)
	runtime.Goexit()
}

// run calls fn with f in its own goroutine, so Skip and Fatal can end it.
func (f *fakeTB) run(fn func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
}

func setShort(t *testing.T, v bool) {
	t.Helper()
	old := flag.Lookup("test.short").Value.String()
	require.NoError(t, flag.Set("test.short", fmt.Sprint(v)))
	t.Cleanup(func() { _ = flag.Set("test.short", old) })
}

func TestServerAvailability(t *testing.T) {
	kafka := func(tb testing.TB) { Kafka(tb) }
	es := func(tb testing.TB) { Elasticsearch(tb) }
	cases := []struct {
		name        string
		short       bool
		ci          string
		env, addr   string
		call        func(testing.TB)
		wantSkip    bool
		wantFail    bool
		wantMessage string
	}{
		{name: "an unreachable broker skips with the command that starts it", ci: "",
			env: EnvKafka, addr: "127.0.0.1:1", call: kafka, wantSkip: true, wantMessage: "make testenv-up"},
		{name: "an unreachable broker fails under CI", ci: "true",
			env: EnvKafka, addr: "127.0.0.1:1", call: kafka, wantFail: true, wantMessage: "CI=true"},
		{name: "an unreachable node skips with the command that starts it", ci: "",
			env: EnvES, addr: "http://127.0.0.1:1", call: es, wantSkip: true, wantMessage: "scripts/testenv.sh env"},
		{name: "an unreachable node fails under CI", ci: "true",
			env: EnvES, addr: "http://127.0.0.1:1", call: es, wantFail: true, wantMessage: "127.0.0.1:1"},
		{name: "-short skips even under CI", short: true, ci: "true",
			env: EnvKafka, addr: "127.0.0.1:1", call: kafka, wantSkip: true, wantMessage: "-short"},
		{name: "-short skips the node even under CI", short: true, ci: "true",
			env: EnvES, addr: "http://127.0.0.1:1", call: es, wantSkip: true, wantMessage: "-short"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setShort(t, tc.short)
			t.Setenv("CI", tc.ci)
			t.Setenv(tc.env, tc.addr)
			f := &fakeTB{name: t.Name()}
			f.run(tc.call)
			require.Equal(t, tc.wantSkip, f.skipped, "skipped; message: %s", f.msg)
			require.Equal(t, tc.wantFail, f.failed, "failed; message: %s", f.msg)
			require.Contains(t, f.msg, tc.wantMessage)
		})
	}
}

func TestUniqueName(t *testing.T) {
	kafkaTopic := regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)
	esIndex := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,254}$`)
	cases := []struct {
		name   string
		test   string
		prefix string
		want   string // expected start of the name
	}{
		{name: "subtest separators and spaces become dashes", test: "TestSmoke/kafka: produce and consume",
			prefix: "itest.", want: "itest.testsmoke-kafka-produce-and-consume-"},
		{name: "non-ASCII letters are dropped", test: "TestÜber_Straße", prefix: "itest-", want: "itest-test-ber-stra-e-"},
		{name: "long names are cut", test: "Test" + strings.Repeat("x", 300), prefix: "itest-",
			want: "itest-test" + strings.Repeat("x", 76) + "-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeTB{name: tc.test}
			a, b := UniqueName(f, tc.prefix), UniqueName(f, tc.prefix)
			require.NotEqual(t, a, b, "two calls gave the same name")
			require.True(t, strings.HasPrefix(a, tc.want), "%q does not start with %q", a, tc.want)
			require.Regexp(t, kafkaTopic, a)
			if strings.HasPrefix(tc.prefix, "itest-") {
				require.Regexp(t, esIndex, a)
			}
			require.LessOrEqual(t, len(a), 120)
		})
	}
}
