package quorum

import "crypto/rand"

var randRead = rand.Read
