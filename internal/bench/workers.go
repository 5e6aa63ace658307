package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Worker is one consumer worker the harness runs (`newsflow consume`).
type Worker interface {
	// Name identifies the worker in progress lines.
	Name() string
	// PID is the worker's process (0 for one in the harness's process).
	PID() int
	// PeakRSS is the worker's peak resident set size in bytes (VmHWM of
	// /proc/<pid>/status); an error when it cannot be known (a worker in
	// the harness's own process).
	PeakRSS() (int64, error)
	// Exited is closed when the worker ended; Err then says why.
	Exited() <-chan struct{}
	Err() error
	// Stop asks the worker to shut down (SIGTERM) and waits up to timeout,
	// then kills it.
	Stop(timeout time.Duration) error
}

// StartWorker starts a worker with the arguments of `newsflow consume`
// (args begins with "consume"), its log going to log.
type StartWorker func(ctx context.Context, name string, args []string, log io.Writer) (Worker, error)

// ChildProcesses starts workers as child processes of binary (the newsflow
// binary), so that each has its own memory and its peak RSS can be read.
func ChildProcesses(binary string) StartWorker {
	return func(ctx context.Context, name string, args []string, log io.Writer) (Worker, error) {
		cmd := exec.Command(binary, args...)
		cmd.Stdout = log
		cmd.Stderr = log
		// A --config file of the user's must not change the workers' settings
		// behind the harness's back; NEWSFLOW_* variables still apply (they
		// carry secrets).
		cmd.Env = append(os.Environ(), "NEWSFLOW_CONFIG=")
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start worker %s (%s): %w", name, binary, err)
		}
		p := &childWorker{name: name, cmd: cmd, exited: make(chan struct{})}
		go func() {
			p.err = cmd.Wait()
			close(p.exited)
		}()
		return p, nil
	}
}

type childWorker struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	once   sync.Once
}

func (p *childWorker) Name() string            { return p.name }
func (p *childWorker) PID() int                { return p.cmd.Process.Pid }
func (p *childWorker) Exited() <-chan struct{} { return p.exited }

func (p *childWorker) Err() error {
	select {
	case <-p.exited:
		if p.err == nil {
			return errors.New("exited")
		}
		return p.err
	default:
		return nil
	}
}

func (p *childWorker) PeakRSS() (int64, error) {
	return PeakRSS(p.cmd.Process.Pid)
}

func (p *childWorker) Stop(timeout time.Duration) error {
	var err error
	p.once.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
			if p.err != nil {
				err = fmt.Errorf("worker %s: %w", p.name, p.err)
			}
		case <-time.After(timeout):
			_ = p.cmd.Process.Kill()
			<-p.exited
			err = fmt.Errorf("worker %s did not stop within %v: killed", p.name, timeout)
		}
	})
	return err
}

// PeakRSS reads VmHWM (peak resident set size) of process pid.
func PeakRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			fields := strings.Fields(rest)
			if len(fields) >= 1 {
				kb, err := strconv.ParseInt(fields[0], 10, 64)
				if err != nil {
					return 0, fmt.Errorf("parse VmHWM %q: %w", rest, err)
				}
				return kb << 10, nil
			}
		}
	}
	return 0, errors.New("no VmHWM in /proc/<pid>/status")
}
