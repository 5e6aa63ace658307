//go:build !unix

package seen

import (
	"fmt"
	"os"
)

// lockDir opens the lock file; without flock the directory is not guarded.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	return f, nil
}
