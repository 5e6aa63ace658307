package check

import (
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/stretchr/testify/require"
)

// dockerfile parses the Dockerfile with BuildKit's parser and instruction
// parser, with every lint rule BuildKit checks there (as `docker build
// --check` does); a parser or lint warning fails.
func dockerfile(t testing.TB) ([]instructions.Stage, map[string]string) {
	t.Helper()
	f, err := os.Open(repoPath(t, "Dockerfile"))
	require.NoError(t, err)
	defer f.Close()
	res, err := parser.Parse(f)
	require.NoError(t, err, "Dockerfile")
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile parser warning: %s", w.Short)
	}
	var lints []string
	lint := linter.New(&linter.Config{ExperimentalAll: true, Warn: func(rule, desc, url, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		lints = append(lints, fmt.Sprintf("line %d: %s: %s (%s)", line, rule, msg, url))
	}})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	require.NoError(t, err)
	require.Empty(t, lints, "BuildKit lint rules")
	args := map[string]string{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			args[kv.Key] = kv.ValueString()
		}
	}
	return stages, args
}

func TestDockerfile(t *testing.T) {
	stages, args := dockerfile(t)
	require.GreaterOrEqual(t, len(stages), 2, "multi-stage")
	build, final := stages[0], stages[len(stages)-1]

	t.Run("the build stage is Go at the module's version", func(t *testing.T) {
		gomod, err := os.ReadFile(repoPath(t, "go.mod"))
		require.NoError(t, err)
		m := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(gomod)
		require.NotNil(t, m)
		base := strings.ReplaceAll(build.BaseName, "${GO_VERSION}", args["GO_VERSION"])
		require.Equal(t, "golang:"+string(m[1])+"-bookworm", base)
		run := strings.Join(runCommands(build), "\n")
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/newsflow", "go mod download"} {
			require.Contains(t, run, want)
		}
	})

	t.Run("the final stage is minimal, non-root and runs newsflow", func(t *testing.T) {
		require.Contains(t, []string{"gcr.io/distroless/static-debian12:nonroot", "scratch"}, final.BaseName)
		var user string
		var entrypoint []string
		for _, c := range final.Commands {
			switch c := c.(type) {
			case *instructions.UserCommand:
				user = c.User
			case *instructions.EntrypointCommand:
				require.False(t, c.PrependShell, "ENTRYPOINT in exec form: signals reach newsflow")
				entrypoint = c.CmdLine
			case *instructions.RunCommand:
				t.Errorf("RUN in the final stage: %v", c.CmdLine)
			case *instructions.CopyCommand:
				require.Equal(t, build.Name, c.From, "the final stage copies only from the build stage")
			}
		}
		require.Regexp(t, `^[1-9][0-9]*(:[1-9][0-9]*)?$`, user, "USER is a numeric non-root uid (Kubernetes runAsNonRoot can verify it)")
		require.Equal(t, []string{"/usr/local/bin/newsflow"}, entrypoint)
	})
}

func runCommands(s instructions.Stage) []string {
	var out []string
	for _, c := range s.Commands {
		if r, ok := c.(*instructions.RunCommand); ok {
			out = append(out, strings.Join(r.CmdLine, " "))
		}
	}
	return out
}

// TestDockerBuildStage copies the build context as .dockerignore filters it
// (with the matcher docker uses), runs the build stage's RUN commands in it,
// and checks the binary the final stage copies: static, and it runs. No
// container engine is involved; the golang base image is replaced by the Go
// toolchain of this machine.
func TestDockerBuildStage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: not under -short")
	}
	stages, _ := dockerfile(t)
	build, final := stages[0], stages[len(stages)-1]
	root := repoRoot(t)
	tmp := t.TempDir()
	ctxDir := filepath.Join(tmp, "src")
	files := copyContext(t, root, ctxDir)

	t.Run("the context holds sources and samples, no tests or test data", func(t *testing.T) {
		var sawSamples, sawMain bool
		for _, f := range files {
			require.NotRegexp(t, `(^|/)testdata(/|$)|_test\.go$|^(shared|testenv|deploy|\.git|bin)(/|$)`, f, "in the build context")
			sawSamples = sawSamples || strings.HasPrefix(f, "producers/samples/")
			sawMain = sawMain || f == "cmd/newsflow/main.go"
		}
		require.True(t, sawMain)
		require.True(t, sawSamples, "producers/samples/ ships with the binary")
		t.Logf("%d files in the build context", len(files))
	})

	out := filepath.Join(tmp, "out")
	for _, cmd := range runCommands(build) {
		script := strings.ReplaceAll(cmd, "/out/", out+"/")
		// GOFLAGS is unset in the golang image.
		res, err := run(t, ctxDir, []string{"GOFLAGS="}, "sh", "-c", script)
		require.NoError(t, err, "RUN %s\n%s", cmd, res)
	}
	for _, c := range final.Commands {
		if cp, ok := c.(*instructions.CopyCommand); ok {
			for _, src := range cp.SourcePaths {
				_, err := os.Stat(strings.Replace(src, "/out/", out+"/", 1))
				require.NoError(t, err, "COPY --from=%s %s: the build stage did not make it", cp.From, src)
			}
		}
	}
	bin := filepath.Join(out, "newsflow")
	f, err := elf.Open(bin)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "the binary needs a dynamic loader: not static")
	}
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	require.Empty(t, libs, "the binary links shared libraries")
	res, err := run(t, "", nil, bin, "--help")
	require.NoError(t, err, "newsflow --help (the image's CMD): %s", res)
	for _, sub := range []string{"produce", "consume"} {
		res, err := run(t, "", nil, bin, sub, "--help")
		require.NoError(t, err, "newsflow %s --help: %s", sub, res)
	}
}

// copyContext copies root into dst the way docker builds its context: files
// matched by .dockerignore are left out. It returns the copied paths.
func copyContext(t testing.TB, root, dst string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	require.NoError(t, err)
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	require.NoError(t, err)
	pm, err := patternmatcher.New(patterns)
	require.NoError(t, err)
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		excluded, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if excluded && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if excluded || !d.Type().IsRegular() {
			return nil
		}
		files = append(files, rel)
		return copyFile(path, filepath.Join(dst, rel))
	})
	require.NoError(t, err)
	return files
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
