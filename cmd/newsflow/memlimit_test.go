package main

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers"
)

func TestMemoryLimit(t *testing.T) {
	v2, v1 := cgroupMemoryFiles[0], cgroupMemoryFiles[1]
	const outside = 123 << 20
	tests := []struct {
		name       string
		value      string
		env        map[string]string
		files      map[string]string
		want       int64
		wantSource string
		wantErr    string
	}{
		{name: "a size in MiB", value: "150MiB", want: 150 << 20, wantSource: "--memory-limit"},
		{name: "plain bytes", value: "1048576", want: 1 << 20, wantSource: "--memory-limit"},
		{name: "GiB", value: "2GiB", want: 2 << 30, wantSource: "--memory-limit"},
		{name: "none", value: "none", want: 0, wantSource: "none"},
		{name: "GOMEMLIMIT wins over the flag", value: "150MiB", env: map[string]string{"GOMEMLIMIT": "1GiB"}, want: 0, wantSource: "GOMEMLIMIT"},
		{name: "auto: 90% of a cgroup v2 limit", value: "auto", files: map[string]string{v2: "268435456\n"}, want: 241591910, wantSource: "90% of the cgroup limit " + v2},
		{name: "auto: cgroup v2 without a limit", value: "auto", files: map[string]string{v2: "max\n"}, want: outside, wantSource: "auto: no cgroup limit"},
		{name: "auto: cgroup v1 without a limit", value: "auto", files: map[string]string{v1: "9223372036854771712\n"}, want: outside, wantSource: "auto: no cgroup limit"},
		{name: "auto: cgroup v1 with a limit", value: "auto", files: map[string]string{v1: "1073741824"}, want: 966367641, wantSource: "90% of the cgroup limit " + v1},
		{name: "auto outside any cgroup", value: "auto", want: outside, wantSource: "auto: no cgroup"},
		{name: "auto with a garbled file", value: "auto", files: map[string]string{v2: "lots"}, wantErr: "not a number"},
		{name: "a unit we do not read", value: "150MB", wantErr: `--memory-limit "150MB": not a positive size`},
		{name: "a negative size", value: "-5MiB", wantErr: "not a positive size"},
		{name: "an overflowing size", value: "9999999999GiB", wantErr: "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			read := func(p string) ([]byte, error) {
				if v, ok := tc.files[p]; ok {
					return []byte(v), nil
				}
				return nil, fs.ErrNotExist
			}
			got, source, err := memoryLimit(tc.value, outside, lookup, read)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.wantSource, source)
		})
	}
}

func TestHeapLimitOutsideContainer(t *testing.T) {
	require.Equal(t, int64(defaultHeapLimit), heapLimitOutsideContainer(consumers.Config{}))
	require.Equal(t, int64(defaultHeapLimit), heapLimitOutsideContainer(consumers.Config{
		BatchSize: consumers.DefaultBatchSize, BatchBytes: consumers.DefaultBatchBytes, MaxInFlight: consumers.DefaultMaxInFlight,
	}))
	require.Equal(t, int64(defaultHeapLimit), heapLimitOutsideContainer(consumers.Config{BatchSize: 100, MaxInFlight: 1}), "smaller batches keep the default")
	require.Equal(t, int64(4*defaultHeapLimit), heapLimitOutsideContainer(consumers.Config{BatchSize: 2000}))
	require.Equal(t, int64(2*defaultHeapLimit), heapLimitOutsideContainer(consumers.Config{BatchBytes: 10 << 20, MaxInFlight: 3}))
	require.Equal(t, int64(2.5*defaultHeapLimit), heapLimitOutsideContainer(consumers.Config{MaxInFlight: 8}), "10 batches held against 4")
	require.Equal(t, int64(2.5*defaultHeapLimit), heapLimitOutsideContainer(consumers.Config{StagesInFlight: 7}), "10 batches held against 4")
}
