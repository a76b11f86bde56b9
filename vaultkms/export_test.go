package vaultkms

// Tests lower the response size limit so that a body over it is quick to
// send.
func init() { maxResponseBytes = 1 << 20 }
