//go:build !unix

package main

import "os"

// writeLikeLinker copies the executable src to dst. Off Unix the bench makes no claim about how
// the copy is cached; the budget was set on Linux.
func writeLikeLinker(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}
