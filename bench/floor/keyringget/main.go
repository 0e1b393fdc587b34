// Command keyringget is the benchmark's keyring floor: it does one go-keyring Get of the item its
// arguments name (service, then user) and prints the value, and nothing else. A cached c3cred call
// on the keyring backend is timed against it, reading the same item.
package main

import (
	"fmt"
	"os"

	"github.com/zalando/go-keyring"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: keyringget SERVICE USER")
		os.Exit(2)
	}
	value, err := keyring.Get(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "keyringget: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(value)
}
