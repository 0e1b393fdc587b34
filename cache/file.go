package cache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// File stores each entry as a file in Dir, readable by its owner only.
type File struct {
	// Dir is the folder, normally $XDG_STATE_HOME/c3cred. It is made 0700 on first write.
	Dir string
	// Warn, if set, is told about problems that cost a cache hit but are not errors.
	Warn func(format string, args ...any)

	// warned holds the files already warned about: a run reads its entry twice, around the lock,
	// and one warning is enough.
	warned sync.Map
}

// Name returns "file".
func (f *File) Name() string { return "file" }

func (f *File) path(key string) string { return filepath.Join(f.Dir, key+".token") }

// Load reads the entry for key. A file that others can read is not trusted: it is a miss, and
// the next Save replaces it with a private one.
func (f *File) Load(key string) (Entry, error) {
	file, err := os.Open(f.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, ErrMiss
	}
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %v", ErrMiss, err)
	}
	defer file.Close()

	if info, err := file.Stat(); err == nil && looseMode(info.Mode()) {
		if _, seen := f.warned.LoadOrStore(file.Name(), true); !seen {
			f.warn("ignored cache file %s: its mode %04o lets others read it", file.Name(),
				info.Mode().Perm())
		}
		return Entry{}, fmt.Errorf("%w: loose permissions", ErrMiss)
	}
	data, err := io.ReadAll(io.LimitReader(file, maxEntrySize))
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %v", ErrMiss, err)
	}
	return decode(key, data)
}

// Save writes e atomically: a reader sees the old entry or the new one, never a torn write.
func (f *File) Save(key string, e Entry) error {
	data, err := encode(key, e)
	if err != nil {
		return err
	}
	if err := f.makeDir(); err != nil {
		return err
	}
	return writeAtomic(f.path(key), data)
}

// Delete removes the entry for key.
func (f *File) Delete(key string) error {
	err := os.Remove(f.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// makeDir creates Dir as 0700, and narrows an existing one that others could enter.
func (f *File) makeDir() error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("could not create cache folder: %w", err)
	}
	info, err := os.Stat(f.Dir)
	if err != nil || !looseMode(info.Mode()) {
		return err
	}
	f.warn("cache folder %s had mode %04o; set it to 0700", f.Dir, info.Mode().Perm())
	return os.Chmod(f.Dir, 0o700)
}

func (f *File) warn(format string, args ...any) {
	if f.Warn != nil {
		f.Warn(format, args...)
	}
}

// looseMode reports whether group or others have any access. Windows has no such bits; its
// files in the user's profile are private by their ACL.
func looseMode(m fs.FileMode) bool {
	return runtime.GOOS != "windows" && m.Perm()&0o077 != 0
}

// writeAtomic writes data to a temporary file beside path and renames it over path. It does not
// fsync: a reader sees the old entry or the new one, and an entry a crash leaves empty or torn is
// a miss like any unreadable one, costing one token request. Syncing would cost every refresh a
// disk flush (0.6 ms on the machine the budget was set on, far more on a slow disk).
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("could not write cache file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed

	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("could not write cache file: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("could not write cache file: %w", err)
	}
	return nil
}
