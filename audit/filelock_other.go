//go:build !unix

package audit

import (
	"fmt"
	"io/fs"
	"os"
)

// lockFile opens name without locking it: this platform has no flock, so
// two FileSinks on one path are not detected.
func lockFile(name string, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, perm)
	if err != nil {
		return nil, fmt.Errorf("audit: open lock file: %w", err)
	}
	return f, nil
}
