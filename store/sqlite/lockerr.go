package sqlite

import (
	"errors"
	"fmt"
)

// ErrDataDirInUse is returned by Open when another process holds the data directory.
var ErrDataDirInUse = errors.New("data directory in use")

// dirInUseError says which process holds a data directory.
type dirInUseError struct {
	dir string
	pid string
}

func (e *dirInUseError) Error() string {
	return fmt.Sprintf("data directory %s is in use by another custody process (pid %s)", e.dir, e.pid)
}

func (e *dirInUseError) Is(target error) bool { return target == ErrDataDirInUse }
