// Package cli resolves a command's configuration from flags, NEWSFLOW_*
// environment variables and an optional YAML file, in that order of
// precedence, and prints help that names all three for every setting.
//
// Each setting is declared once with its flag name, environment variable,
// default and help text; Parse applies the command line, then the
// environment to settings the command line left alone, then the YAML file
// (keys are flag names) to settings neither set.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ConfigFlag is the flag (and NEWSFLOW_CONFIG the variable) naming the YAML file.
const ConfigFlag = "config"

// ErrHelp is returned by Parse when the user asked for --help.
var ErrHelp = flag.ErrHelp

// Set is a command's settings.
type Set struct {
	name     string
	summary  string
	fs       *flag.FlagSet
	env      map[string]string // flag name → environment variable
	order    []string
	config   string
	lookup   func(string) (string, bool)
	readFile func(string) ([]byte, error)
}

// New returns an empty Set for command name; summary is the first line of help.
func New(name, summary string) *Set {
	s := &Set{
		name:     name,
		summary:  summary,
		fs:       flag.NewFlagSet(name, flag.ContinueOnError),
		env:      map[string]string{},
		lookup:   os.LookupEnv,
		readFile: os.ReadFile,
	}
	s.fs.SetOutput(io.Discard)
	s.String(&s.config, ConfigFlag, "NEWSFLOW_CONFIG", "", "YAML file of settings, keyed by flag name; flags and environment win over it")
	return s
}

// SetLookupEnv replaces os.LookupEnv (tests).
func (s *Set) SetLookupEnv(f func(string) (string, bool)) { s.lookup = f }

// Var declares a setting of any flag.Value.
func (s *Set) Var(v flag.Value, name, env, help string) {
	s.fs.Var(v, name, help)
	if env != "" {
		s.env[name] = env
	}
	s.order = append(s.order, name)
}

// String declares a string setting.
func (s *Set) String(p *string, name, env, def, help string) {
	*p = def
	s.Var((*stringValue)(p), name, env, help)
}

// Int declares an int setting.
func (s *Set) Int(p *int, name, env string, def int, help string) {
	*p = def
	s.Var((*intValue)(p), name, env, help)
}

// Float declares a floating-point setting.
func (s *Set) Float(p *float64, name, env string, def float64, help string) {
	*p = def
	s.Var((*floatValue)(p), name, env, help)
}

// Bool declares a boolean setting.
func (s *Set) Bool(p *bool, name, env string, def bool, help string) {
	*p = def
	s.Var((*boolValue)(p), name, env, help)
}

// Duration declares a duration setting ("5s", "1m30s").
func (s *Set) Duration(p *time.Duration, name, env string, def time.Duration, help string) {
	*p = def
	s.Var((*durationValue)(p), name, env, help)
}

// List declares a repeatable setting; each flag occurrence and each
// comma-separated element of the environment variable adds one value.
func (s *Set) List(p *[]string, name, env string, def []string, help string) {
	*p = append([]string(nil), def...)
	s.Var(&listValue{p: p}, name, env, help)
}

// Parse resolves the settings from args, the environment and the YAML file.
// It returns the positional arguments left after the flags.
func (s *Set) Parse(args []string) ([]string, error) {
	if err := s.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, ErrHelp
		}
		return nil, fmt.Errorf("%s: %w (see newsflow %s --help)", s.name, err, s.name)
	}
	set := map[string]bool{}
	s.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	fromEnv := map[string]bool{}
	for _, name := range s.order {
		env, ok := s.env[name]
		if !ok || set[name] {
			continue
		}
		v, ok := s.lookup(env)
		if !ok || v == "" {
			continue
		}
		if err := s.setAll(name, splitEnv(s.fs.Lookup(name).Value, v)); err != nil {
			return nil, fmt.Errorf("%s: environment %s=%q: %w", s.name, env, v, err)
		}
		fromEnv[name] = true
	}
	if s.config != "" {
		if err := s.applyFile(s.config, set, fromEnv); err != nil {
			return nil, err
		}
	}
	return s.fs.Args(), nil
}

func (s *Set) applyFile(path string, set, fromEnv map[string]bool) error {
	b, err := s.readFile(path)
	if err != nil {
		return fmt.Errorf("%s: read config file: %w", s.name, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: parse config file %s: %w", s.name, path, err)
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := s.fs.Lookup(k)
		if f == nil || k == ConfigFlag {
			return fmt.Errorf("%s: config file %s: unknown setting %q (keys are flag names, see --help)", s.name, path, k)
		}
		if set[k] || fromEnv[k] {
			continue
		}
		var vals []string
		switch v := doc[k].(type) {
		case []any:
			for _, e := range v {
				vals = append(vals, fmt.Sprint(e))
			}
		case nil:
			continue
		default:
			vals = []string{fmt.Sprint(v)}
		}
		if err := s.setAll(k, vals); err != nil {
			return fmt.Errorf("%s: config file %s: %s: %w", s.name, path, k, err)
		}
	}
	return nil
}

func (s *Set) setAll(name string, vals []string) error {
	f := s.fs.Lookup(name)
	if lv, ok := f.Value.(*listValue); ok {
		*lv.p = nil
		lv.touched = true
	}
	for _, v := range vals {
		if err := f.Value.Set(v); err != nil {
			return err
		}
	}
	return nil
}

func splitEnv(v flag.Value, s string) []string {
	if _, ok := v.(*listValue); !ok {
		return []string{s}
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Usage writes the command's help: summary, usage line and every setting
// with its environment variable and default.
func (s *Set) Usage(w io.Writer, usageLine, details string) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  %s\n", s.summary, usageLine)
	if details != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(details, "\n"))
	}
	fmt.Fprintf(w, "\nSettings (flag, environment variable; flags win over the environment, the environment over --config):\n")
	for _, name := range s.order {
		f := s.fs.Lookup(name)
		head := "  --" + name
		if env, ok := s.env[name]; ok {
			head += ", $" + env
		}
		fmt.Fprintln(w, head)
		help := f.Usage
		if def := f.DefValue; def != "" && def != "[]" && def != "0s" && def != "false" || isNumeric(f) {
			help += " (default " + strconv.Quote(f.DefValue) + ")"
		}
		for _, line := range wrap(help, 88) {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
}

func isNumeric(f *flag.Flag) bool {
	switch f.Value.(type) {
	case *intValue, *floatValue:
		return true
	}
	return false
}

func wrap(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(s) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not an integer: %q", s)
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type floatValue float64

func (v *floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	*v = floatValue(f)
	return nil
}
func (v *floatValue) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a boolean: %q", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a duration (like 500ms, 5s, 1m): %q", s)
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

// listValue replaces its default on first Set, then appends.
type listValue struct {
	p       *[]string
	touched bool
}

func (v *listValue) Set(s string) error {
	if !v.touched {
		*v.p = nil
		v.touched = true
	}
	*v.p = append(*v.p, s)
	return nil
}

func (v *listValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}
