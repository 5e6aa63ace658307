// Command newsflow is the one binary of the pipeline; the subcommand chooses
// the role (see DESIGN.md and `newsflow --help`). Each subcommand lives in its
// own file, declares its settings and wires the parts together, nothing more.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/newsflow/newsflow/internal/cli"
)

// streams are the process's standard streams, replaceable in tests.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, st streams, args []string) error
}

func commands() []command {
	return []command{
		{"up", "run the whole pipeline in one process on embedded defaults", runUp},
		{"produce", "run producers (feeds, directories, HTTP push) into Kafka", runProduce},
		{"consume", "run a consumer worker: Kafka → stages → Elasticsearch", runConsume},
		{"replay-dlq", "re-publish dead letters (<topic>.dlq) to the raw topic after a fix", runReplayDLQ},
		{"process", "JSON lines of RawArticle on stdin → article documents on stdout", runProcess},
		{"extract", `JSON lines {"id","text"} on stdin → {"id","figures":[…]} on stdout`, runExtract},
		{"bench", "run the benchmark harness", runBench},
	}
}

// errReported means the command already told the user what went wrong.
var errReported = errors.New("reported")

func main() {
	os.Exit(realMain(os.Args[1:], streams{os.Stdin, os.Stdout, os.Stderr}))
}

func realMain(args []string, st streams) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version") {
		fmt.Fprintln(st.stdout, versionLine())
		return 0
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(st.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(st.stderr, "newsflow: unknown command %q\n\n", args[0])
		usage(st.stderr)
		return 2
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(st.stderr, "newsflow: %v received, shutting down (again to exit at once)\n", s)
			cancel()
		case <-ctx.Done():
			return
		}
		<-sigs
		fmt.Fprintln(st.stderr, "newsflow: second signal, exiting now")
		os.Exit(130)
	}()

	err := cmd.run(ctx, st, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, cli.ErrHelp):
		return 0
	case errors.Is(err, errReported):
		return 1
	default:
		fmt.Fprintf(st.stderr, "newsflow %s: %v\n", cmd.name, err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "newsflow turns news wire feeds into clean, deduplicated, searchable articles:")
	fmt.Fprintln(w, "feeds → Kafka → normalize, dedup paragraphs, extract figures → Elasticsearch.")
	fmt.Fprintln(w, "\nUsage:\n  newsflow <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s  %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n`newsflow --version` prints the version and commit.")
	fmt.Fprintln(w, "Run `newsflow <command> --help` for a command's settings. Every flag has a")
	fmt.Fprintln(w, "NEWSFLOW_* environment variable, and --config reads a YAML file of them.")
}

// logSettings are the logging settings every command has.
type logSettings struct {
	level  string
	format string
}

func addLogSettings(s *cli.Set) *logSettings {
	var l logSettings
	s.String(&l.level, "log-level", "NEWSFLOW_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	s.String(&l.format, "log-format", "NEWSFLOW_LOG_FORMAT", "text", "log format: text (for people) or json (for log shippers)")
	return &l
}

func (l *logSettings) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(l.level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", l.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(l.format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", l.format)
	}
}

// parse parses args into s, printing help on --help.
func parse(s *cli.Set, st streams, args []string, usageLine, details string) ([]string, error) {
	rest, err := s.Parse(args)
	if errors.Is(err, cli.ErrHelp) {
		s.Usage(st.stdout, usageLine, details)
		return nil, cli.ErrHelp
	}
	return rest, err
}
