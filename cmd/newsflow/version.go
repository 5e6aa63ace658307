package main

import (
	"runtime/debug"
	"strings"
)

// version and commit are set at build time: go build -ldflags "-X
// main.version=v1.2.3 -X main.commit=<hash>" (make build and make up do,
// from git). Without them the module version (or "dev") and the VCS
// stamp of the build, if any, are printed.
var (
	version = ""
	commit  = ""
)

// buildVersion returns the version and the VCS commit of the binary (with
// "+dirty" when built from a modified tree; "" when the build has no VCS
// information, as `go run` has not).
func buildVersion() (v, rev string) {
	v = version
	bi, ok := debug.ReadBuildInfo()
	if !ok || commit != "" {
		return orDefault(v, "dev"), commit
	}
	if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "+dirty"
	}
	return orDefault(v, "dev"), rev
}

// versionLine is what `newsflow --version` prints.
func versionLine() string {
	v, rev := buildVersion()
	var sb strings.Builder
	sb.WriteString("newsflow " + v)
	if rev != "" {
		sb.WriteString(" (commit " + rev + ")")
	} else {
		sb.WriteString(" (commit unknown: built without VCS information; make build sets it)")
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		sb.WriteString(" " + bi.GoVersion)
	}
	return sb.String()
}
