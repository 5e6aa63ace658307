package main

import (
	"context"
	"errors"
)

// Commands still to be built; each replaces its stub with its own file.

func runBench(ctx context.Context, st streams, args []string) error {
	return errors.New("not built yet (issue 8)")
}
