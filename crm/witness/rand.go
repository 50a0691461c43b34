package witness

import "crypto/rand"

var randRead = rand.Read
