package store

import (
	"strings"

	"github.com/gallra/gallra"
)

// sqliteSync takes the optional "?synchronous=normal|full" off an SQLite
// path and returns the pragma value (NORMAL by default). With NORMAL in WAL
// mode a commit is durable against a crash of the process but the last
// commits before a power loss or OS crash may be lost (the database stays
// consistent); FULL syncs the WAL on every commit, so an acknowledged write
// survives power loss, at the cost of an fsync per commit
// (docs/configuration.md).
func sqliteSync(path *string) (string, error) {
	p, q, ok := strings.Cut(*path, "?")
	if !ok {
		return "NORMAL", nil
	}
	*path = p
	switch strings.ToLower(q) {
	case "synchronous=normal":
		return "NORMAL", nil
	case "synchronous=full":
		return "FULL", nil
	}
	return "", gallra.Errorf(gallra.EINVALID, "the sqlite URL takes only ?synchronous=normal or ?synchronous=full after the path")
}
