//go:build tools

package check

// Pins KEDA in go.mod and go.sum without compiling it: crd_test.go reads the
// ScaledObject CRD from the module's config/crd/bases.
import _ "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
