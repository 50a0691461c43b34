package ocf

import (
	"fmt"
	"strings"
)

// Two contracts for booleans, each as its reference defines it.
//
// An agent's boolean instance parameters follow resource-agents'
// ocf_is_true: yes, true, 1 and on, in any case, are true; every other value,
// the empty one included, is false. A CIB written for the shell agents must
// mean the same here, so a parameter never fails for its boolean spelling.
//
// The CIB's own booleans (cluster options, meta-attributes, node attributes
// such as standby) follow Pacemaker's crm_str_to_boolean, which also knows
// y/n and off and refuses anything else, so that a typo there is reported
// instead of silently read as false.

// IsTrue reads a boolean instance parameter as ocf_is_true does.
func IsTrue(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "1", "on":
		return true
	}
	return false
}

// ParseBool reads a boolean of Pacemaker's CIB as crm_str_to_boolean does,
// with an error for a value that is no spelling of either.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "y", "true", "on":
		return true, nil
	case "0", "no", "n", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use true or false)", s)
}

// isBoolSpelling reports whether s is a spelling of true or false that some
// reference reads as such (empty counts: it is ocf_is_true's false).
func isBoolSpelling(s string) bool {
	if s == "" {
		return true
	}
	_, err := ParseBool(s)
	return err == nil
}
