//go:build !unix

package embedded

import (
	"fmt"
	"os"
)

// lockFile opens the lock file; without flock the directory is not guarded.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: open lock file: %w", err)
	}
	return f, nil
}
