//go:build !unix

package sqlite

import (
	"fmt"
	"os"
	"runtime"
)

// lockDir refuses: this platform has no flock, and running without the lock could let two
// processes write one database.
func lockDir(dir string) (*os.File, error) {
	return nil, fmt.Errorf("locking the data directory %s is not supported on %s", dir, runtime.GOOS)
}

// unlockDir closes f.
func unlockDir(f *os.File) error { return f.Close() }
