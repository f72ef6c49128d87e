package approvals

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// inUseWait is how long InUse waits for the lock before it calls the file
// held: a running tapbot holds it for as long as it runs.
const inUseWait = 500 * time.Millisecond

// InUse reports whether another Store (a running tapbot, usually in another
// process) holds the database at path. It asks only for the shared lock of
// a read-only open, which an open Store's exclusive lock refuses, and never
// writes, so it is safe to call beside a live bot. It returns an error, and
// false, when path cannot be probed at all: it does not exist, cannot be
// read, or is no bbolt file; Open then says what is wrong in its words.
func InUse(path string) (inUse bool, err error) {
	defer func() {
		// bbolt may panic on a file that is not a database at all.
		if r := recover(); r != nil {
			inUse, err = false, fmt.Errorf("probe database %s: not a bbolt file (%v)", path, r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: inUseWait, ReadOnly: true})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("probe database %s: %w", path, err)
	}
	if err := db.Close(); err != nil {
		return false, fmt.Errorf("probe database %s: %w", path, err)
	}
	return false, nil
}
