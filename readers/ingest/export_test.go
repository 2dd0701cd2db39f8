package ingest

// SetMaxCatchUp sets how many change-feed entries a sweep reads before it lists the cabinet
// again, and returns a func that restores it.
func SetMaxCatchUp(n int) (restore func()) {
	old := maxCatchUp
	maxCatchUp = n
	return func() { maxCatchUp = old }
}
