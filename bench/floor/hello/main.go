// Command hello is the benchmark's first floor: the Go "hello, world", built as c3cred is. A cached
// c3cred call is timed against it.
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
