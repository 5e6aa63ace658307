package escfg

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name     string
		s        Settings
		env      map[string]string
		wantErr  string
		wantAuth string
	}{
		{name: "urls split and trimmed", s: Settings{URLs: []string{"http://a:9200/, http://b:9200"}, Index: "i"}},
		{name: "a url without scheme is refused", s: Settings{URLs: []string{"a:9200"}, Index: "i"}, wantErr: "want http://host:port"},
		{name: "password without user", s: Settings{URLs: []string{"http://a:1"}, Index: "i"}, env: map[string]string{"NEWSFLOW_ELASTICSEARCH_PASSWORD": "s3cret"}, wantErr: "--elasticsearch-username is empty"},
		{name: "api key from env wins over basic auth", s: Settings{URLs: []string{"http://a:1"}, Index: "i", Username: "u"}, env: map[string]string{"NEWSFLOW_ELASTICSEARCH_API_KEY": "s3cretkey", "NEWSFLOW_ELASTICSEARCH_PASSWORD": "s3cret"}, wantAuth: "api-key"},
		{name: "basic auth", s: Settings{URLs: []string{"http://a:1"}, Index: "i", Username: "u"}, env: map[string]string{"NEWSFLOW_ELASTICSEARCH_PASSWORD": "s3cret"}, wantAuth: "basic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Resolve(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotContains(t, tt.s.String(), "s3cret")
			cfg, err := tt.s.Config()
			require.NoError(t, err)
			switch tt.wantAuth {
			case "api-key":
				require.Equal(t, "s3cretkey", cfg.APIKey)
				require.Empty(t, cfg.Password)
			case "basic":
				require.Equal(t, "s3cret", cfg.Password)
			}
			_, err = tt.s.Client()
			require.NoError(t, err)
		})
	}
}
