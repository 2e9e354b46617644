package sqlite

// WrapFlush makes the syncer flush the log through wrap, which gets the real
// flush. Call it before the first Update.
func WrapFlush(db *DB, wrap func(flush func() error) error) {
	inner := db.flush
	db.flush = func() error { return wrap(inner) }
}
