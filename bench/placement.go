package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// copiesPerBinary is how many copies of each timed binary the bench makes and takes turns with.
//
// Where a binary's pages happen to sit in memory changes how long it takes to start. On the
// machine the budget was set on, byte-identical copies of c3cred written at different moments
// started up to 0.35 ms (12%) apart, for as long as their pages stayed cached: one copy per
// program would have made that luck part of the ratio. Pair i runs copy i mod copiesPerBinary
// of each program, and the copies are written interleaved, so the luck falls evenly on c3cred
// and its floors.
const copiesPerBinary = 8

// placeCopies writes copiesPerBinary copies of each binary named in bins (name → path) into dir,
// copy k of every binary before copy k+1 of any, and returns their paths by name.
func placeCopies(dir string, bins map[string]string) (map[string][]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	names := slices.Sorted(maps.Keys(bins))
	copies := map[string][]string{}
	for k := range copiesPerBinary {
		for _, name := range names {
			dst := filepath.Join(dir, fmt.Sprintf("%s.%d", name, k))
			if err := writeLikeLinker(bins[name], dst); err != nil {
				return nil, fmt.Errorf("copy %s: %v", bins[name], err)
			}
			copies[name] = append(copies[name], dst)
		}
	}
	return copies, nil
}

// copiesIn finds the copies of the binary name that placeCopies wrote into dir.
func copiesIn(dir, name string) ([]string, error) {
	var paths []string
	for k := range copiesPerBinary {
		path := filepath.Join(dir, fmt.Sprintf("%s.%d", name, k))
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
