//go:build unix

package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// lockFile opens name and takes an exclusive, non-blocking flock on it, so
// that a second FileSink on the same path fails at once.
func lockFile(name string, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, perm)
	if err != nil {
		return nil, fmt.Errorf("audit: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("audit: file sink %s is in use by another FileSink or process", name)
		}
		return nil, fmt.Errorf("audit: lock %s: %w", name, err)
	}
	return f, nil
}
