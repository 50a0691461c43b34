package fencevm

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The switch's protocol, one request per TCP connection, each message one
// line:
//
//  1. the switch greets: "BATON-POWER/1 " and a fresh random challenge
//     (base64);
//  2. the agent sends a Request naming that challenge and one of its own,
//     signed with the shared key;
//  3. the switch checks the signature and its challenge, acts, and answers
//     with a Reply naming the agent's challenge, signed too. A request it
//     cannot authenticate gets "ERR " and a reason, unsigned: such a line
//     can only ever make the agent fail.
//
// A signed message is base64 of its JSON followed by the HMAC-SHA256 of a
// label and the JSON (the label keeps a request from passing for an
// answer). The switch's challenge keeps a recorded request (an "off") from
// being played again; the agent's keeps a recorded answer (an "off"
// succeeded) from being played to it by someone posing as the switch.

// greeting starts the switch's first line.
const greeting = "BATON-POWER/1 "

// maxLine bounds a protocol line.
const maxLine = 64 << 10

// Switch operations.
const (
	OpOff    = "off"
	OpOn     = "on"
	OpStatus = "status"
	OpList   = "list"
)

// Request is what the agent asks.
type Request struct {
	Op   string `json:"op"`
	Plug string `json:"plug,omitempty"`
	// Challenge is the switch's, from its greeting; Nonce the agent's,
	// which the answer must name.
	Challenge []byte `json:"challenge"`
	Nonce     []byte `json:"nonce"`
}

// Reply is the switch's answer.
type Reply struct {
	Nonce []byte `json:"nonce"`
	OK    bool   `json:"ok"`
	// On is the plug's state after the operation (off, on, status).
	On    bool     `json:"on"`
	Plugs []string `json:"plugs,omitempty"`
	Error string   `json:"error,omitempty"`
}

const (
	labelRequest = "fence_baton_vm request\x00"
	labelReply   = "fence_baton_vm reply\x00"
)

func nonce() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return b, nil
}

// seal renders v as a signed line (without its newline).
func seal(k Key, label string, v any) (string, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sig := k.Sign(append([]byte(label), js...))
	return base64.StdEncoding.EncodeToString(append(js, sig...)), nil
}

// errBadSignature: the line was not signed with this key.
var errBadSignature = errors.New("bad signature: the request was not signed with the switch's key")

// open checks a signed line and decodes it into v.
func open(k Key, label, line string, v any) error {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(line))
	if err != nil {
		return fmt.Errorf("not a signed message: %w", err)
	}
	if len(raw) < signatureLen {
		return errors.New("message shorter than its signature")
	}
	js, sig := raw[:len(raw)-signatureLen], raw[len(raw)-signatureLen:]
	if !hmac.Equal(k.Sign(append([]byte(label), js...)), sig) {
		return errBadSignature
	}
	if err := json.Unmarshal(js, v); err != nil {
		return fmt.Errorf("signed message is not valid: %w", err)
	}
	return nil
}

// readLine reads one line of at most maxLine bytes.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			return "", err
		}
		b.Write(chunk)
		if b.Len() > maxLine {
			return "", errors.New("line too long")
		}
		if !isPrefix {
			return b.String(), nil
		}
	}
}
