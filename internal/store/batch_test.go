package store

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestKeyedSorted(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for _, n := range []int{0, 1, 2, 3, 10, 257} {
		k := newKeyed[string](0)
		want := []string{}
		for _, i := range r.Perm(n) {
			key := fmt.Sprintf("k%04d", i)
			k.add(key, "row of "+key)
			want = append(want, "row of "+key)
		}
		if n > 0 {
			*k.get("k0000") = "row of k0000" // get returns the stored row
		}
		slices.Sort(want)
		assert.Equal(t, want, append([]string{}, k.sorted()...), "n=%d", n)
	}
}
