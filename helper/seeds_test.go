package helper

import (
	"os"
	"path/filepath"
	"testing"
)

// readSeeds returns the files that glob matches, by base name: real examples of what c3cred
// reads (git's requests, kubectl's exec info, config files), for table tests and fuzz seeds.
// No match fails the test, so a moved folder cannot leave a fuzz target unseeded.
func readSeeds(t testing.TB, glob string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(glob)
	if err != nil || len(paths) == 0 {
		t.Fatalf("no files match %s: %v", glob, err)
	}
	seeds := map[string]string{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		seeds[filepath.Base(path)] = string(data)
	}
	return seeds
}
