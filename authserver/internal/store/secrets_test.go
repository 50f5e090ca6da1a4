package store

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// TestServerSecretIsSharedAndKept: replicas opening the same database at
// once agree on the secret, and a restart reads the same one back.
func TestServerSecretIsSharedAndKept(t *testing.T) {
	ctx := context.Background()
	_, path := openTest(t)
	got := make([][]byte, 4)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(ctx, path) // a replica of its own
			if err != nil {
				t.Error(err)
				return
			}
			defer db.Close()
			if got[i], err = db.ServerSecret(ctx, "csrf_hmac_key", 32); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("replica %d read %x, replica 0 %x: want the same 32 bytes", i, got[i], got[0])
		}
	}
	db, err := Open(ctx, path) // a restart
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again, err := db.ServerSecret(ctx, "csrf_hmac_key", 32)
	if err != nil || !bytes.Equal(again, got[0]) {
		t.Fatalf("after a restart: %x (%v), want %x", again, err, got[0])
	}
	other, err := db.ServerSecret(ctx, "another", 32)
	if err != nil || bytes.Equal(other, got[0]) {
		t.Fatalf("another secret's name gave the same value (%v)", err)
	}
}
