// Goal: Go's golang.org/x/mod/sumdb/note verifies a pactum checkpoint with the
// verifier key `pactum ledger verifier-key` prints, and sumdb/tlog checks a
// pactum inclusion proof against that checkpoint's root.
//   go run interop.go VKEY_FILE CHECKPOINT_FILE PROOF_JSON_FILE
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type proofJSON struct {
	Index         int64    `json:"index"`
	TreeSize      int64    `json:"tree_size"`
	LeafHash      string   `json:"leaf_hash"`
	Entry         string   `json:"entry"`
	InclusionPath []string `json:"inclusion_path"`
	RootHash      string   `json:"root_hash"`
}

func hash(b64 string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != tlog.HashSize {
		fail("bad hash %q", b64)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "interop: "+format+"\n", args...)
	os.Exit(1)
}

func read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return b
}

func main() {
	vkey := strings.TrimSpace(string(read(os.Args[1])))
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("NewVerifier: %v", err)
	}
	n, err := note.Open(read(os.Args[2]), note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" || lines[0] != verifier.Name() {
		fail("checkpoint body %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size: %v", err)
	}
	root := hash(lines[2])

	var p proofJSON
	if err := json.Unmarshal(read(os.Args[3]), &p); err != nil {
		fail("proof json: %v", err)
	}
	if p.TreeSize != size || hash(p.RootHash) != root {
		fail("proof is not against the checkpoint")
	}
	entry, err := base64.StdEncoding.DecodeString(p.Entry)
	if err != nil {
		fail("entry: %v", err)
	}
	leaf := tlog.RecordHash(entry)
	if leaf != hash(p.LeafHash) {
		fail("leaf hash differs from tlog.RecordHash")
	}
	var rp tlog.RecordProof
	for _, h := range p.InclusionPath {
		rp = append(rp, hash(h))
	}
	if err := tlog.CheckRecord(rp, size, root, p.Index, leaf); err != nil {
		fail("tlog.CheckRecord: %v", err)
	}
	rp[0][0] ^= 1
	if tlog.CheckRecord(rp, size, root, p.Index, leaf) == nil {
		fail("tlog.CheckRecord accepted an altered proof")
	}
	fmt.Printf("interop OK: note verified by %s, entry %d in tree of %d checked by tlog\n", verifier.Name(), p.Index, size)
}
