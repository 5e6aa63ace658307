{{/* Names. */}}
{{- define "newsflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "newsflow.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<component>", at most 63 characters. Call with (list $ "consumer"). */}}
{{- define "newsflow.component" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "newsflow.fullname" $root | trunc 50 | trimSuffix "-") (index . 1) -}}
{{- end -}}

{{- define "newsflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "newsflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: newsflow
{{- end -}}

{{/* Selector labels of a component. Call with (list $ "consumer"). */}}
{{- define "newsflow.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "newsflow.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "newsflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "newsflow.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "newsflow.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
Checks that cannot be expressed in values.schema.json. Rendered once (from the ConfigMap
template) so that every failure names the values to change.
*/}}
{{- define "newsflow.validate" -}}
{{- $partitions := int .Values.kafka.partitions -}}
{{- $c := .Values.consumer -}}
{{- if and $c.autoscaling.enabled $c.keda.enabled -}}
{{- fail "consumer.autoscaling.enabled and consumer.keda.enabled are exclusive: KEDA makes its own HorizontalPodAutoscaler" -}}
{{- end -}}
{{- if $c.autoscaling.enabled -}}
{{- if gt (int $c.autoscaling.maxReplicas) $partitions -}}
{{- fail (printf "consumer.autoscaling.maxReplicas (%d) exceeds kafka.partitions (%d): a group uses at most one worker per partition, the others would sit idle" (int $c.autoscaling.maxReplicas) $partitions) -}}
{{- end -}}
{{- if gt (int $c.autoscaling.minReplicas) (int $c.autoscaling.maxReplicas) -}}
{{- fail "consumer.autoscaling.minReplicas exceeds consumer.autoscaling.maxReplicas" -}}
{{- end -}}
{{- else if $c.keda.enabled -}}
{{- if gt (int $c.keda.maxReplicaCount) $partitions -}}
{{- fail (printf "consumer.keda.maxReplicaCount (%d) exceeds kafka.partitions (%d): a group uses at most one worker per partition, the others would sit idle" (int $c.keda.maxReplicaCount) $partitions) -}}
{{- end -}}
{{- if gt (int $c.keda.minReplicaCount) (int $c.keda.maxReplicaCount) -}}
{{- fail "consumer.keda.minReplicaCount exceeds consumer.keda.maxReplicaCount" -}}
{{- end -}}
{{- else if gt (int $c.replicas) $partitions -}}
{{- fail (printf "consumer.replicas (%d) exceeds kafka.partitions (%d): a group uses at most one worker per partition, the others would sit idle" (int $c.replicas) $partitions) -}}
{{- end -}}
{{- if and .Values.producer.persistence.enabled (gt (int .Values.producer.replicas) 1) -}}
{{- fail "producer.persistence.enabled allows one replica: the seen-items record is locked by one producer" -}}
{{- end -}}
{{- range $role := list "producer" "consumer" -}}
{{- $v := index $.Values $role -}}
{{- if le (int $v.terminationGracePeriodSeconds) (int $v.shutdownTimeoutSeconds) -}}
{{- fail (printf "%s.terminationGracePeriodSeconds (%d) must exceed %s.shutdownTimeoutSeconds (%d), or Kubernetes kills the process before it has drained" $role (int $v.terminationGracePeriodSeconds) $role (int $v.shutdownTimeoutSeconds)) -}}
{{- end -}}
{{- end -}}
{{- $p := .Values.producer -}}
{{- if and $p.enabled (not $p.feeds) (not $p.push.enabled) -}}
{{- fail "producer: set producer.feeds or producer.push.enabled (or producer.enabled=false): a producer needs at least one source" -}}
{{- end -}}
{{- if and $p.push.enabled (not $p.push.existingSecret) -}}
{{- fail "producer.push.enabled needs producer.push.existingSecret, a Secret with the bearer token under producer.push.tokenKey" -}}
{{- end -}}
{{- range $p.feeds -}}
{{- if contains "," . -}}
{{- fail (printf "producer.feeds: %q holds a comma; NEWSFLOW_FEEDS is comma-separated" .) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.kafka.sasl.enabled (or (not .Values.kafka.sasl.username) (not .Values.kafka.sasl.existingSecret)) -}}
{{- fail "kafka.sasl.enabled needs kafka.sasl.username and kafka.sasl.existingSecret" -}}
{{- end -}}
{{- if and .Values.kafka.tls.existingSecret (ne (empty .Values.kafka.tls.certKey) (empty .Values.kafka.tls.keyKey)) -}}
{{- fail "kafka.tls: set both certKey and keyKey (mutual TLS) or neither" -}}
{{- end -}}
{{- $auth := .Values.elasticsearch.auth -}}
{{- if and $auth.existingSecret (not $auth.apiKeyKey) (not $auth.passwordKey) -}}
{{- fail "elasticsearch.auth.existingSecret needs apiKeyKey or passwordKey" -}}
{{- end -}}
{{- if and $auth.passwordKey (not $auth.apiKeyKey) (not $auth.username) -}}
{{- fail "elasticsearch.auth.passwordKey needs elasticsearch.auth.username" -}}
{{- end -}}
{{- $r := .Values.dedup.redis -}}
{{- if eq .Values.dedup.store "redis" -}}
{{- if and (or $r.cluster (gt (len $r.addrs) 1)) (ne (int $r.db) 0) -}}
{{- fail (printf "dedup.redis.db (%d) with a cluster (several dedup.redis.addrs or dedup.redis.cluster): Redis Cluster has database 0 only" (int $r.db)) -}}
{{- end -}}
{{- if and $r.tls.existingSecret (not $r.tls.enabled) -}}
{{- fail "dedup.redis.tls.existingSecret needs dedup.redis.tls.enabled" -}}
{{- end -}}
{{- if ne (empty $r.tls.certKey) (empty $r.tls.keyKey) -}}
{{- fail "dedup.redis.tls: set both certKey and keyKey (client certificate) or neither" -}}
{{- end -}}
{{- if and $r.tls.certKey (not $r.tls.existingSecret) -}}
{{- fail "dedup.redis.tls.certKey needs dedup.redis.tls.existingSecret, the Secret holding the certificate" -}}
{{- end -}}
{{- if and $r.auth.username (not $r.auth.existingSecret) -}}
{{- fail "dedup.redis.auth.username needs dedup.redis.auth.existingSecret, the Secret holding its password" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.prometheusRule.enabled (not (.Files.Get "files/newsflow.rules.yml")) -}}
{{- fail "prometheusRule: files/newsflow.rules.yml is missing from the chart" -}}
{{- end -}}
{{- end -}}

{{/* Kafka settings shared by producer and consumer (ConfigMap data). */}}
{{- define "newsflow.kafkaSettings" -}}
NEWSFLOW_KAFKA_BROKERS: {{ join "," .Values.kafka.brokers | quote }}
NEWSFLOW_TOPIC: {{ .Values.kafka.topic | quote }}
NEWSFLOW_LOG_LEVEL: {{ .Values.log.level | quote }}
NEWSFLOW_LOG_FORMAT: {{ .Values.log.format | quote }}
{{- if .Values.kafka.sasl.enabled }}
NEWSFLOW_KAFKA_SASL_MECHANISM: {{ .Values.kafka.sasl.mechanism | quote }}
NEWSFLOW_KAFKA_USERNAME: {{ .Values.kafka.sasl.username | quote }}
NEWSFLOW_KAFKA_PASSWORD_FILE: "/etc/newsflow/kafka-sasl/password"
{{- end }}
{{- if .Values.kafka.tls.enabled }}
NEWSFLOW_KAFKA_TLS: "true"
{{- if .Values.kafka.tls.existingSecret }}
NEWSFLOW_KAFKA_CA_FILE: "/etc/newsflow/kafka-tls/ca.crt"
{{- if .Values.kafka.tls.certKey }}
NEWSFLOW_KAFKA_CERT_FILE: "/etc/newsflow/kafka-tls/tls.crt"
NEWSFLOW_KAFKA_KEY_FILE: "/etc/newsflow/kafka-tls/tls.key"
{{- end }}
{{- end }}
{{- if .Values.kafka.tls.insecureSkipVerify }}
NEWSFLOW_KAFKA_TLS_INSECURE: "true"
{{- end }}
{{- end }}
{{- end -}}

{{/* Dedup store settings of the consumer (ConfigMap data). */}}
{{- define "newsflow.dedupSettings" -}}
{{- $d := .Values.dedup -}}
NEWSFLOW_DEDUP_STORE: {{ $d.store | quote }}
{{- if ne (int $d.cacheEntries) 0 }}
NEWSFLOW_DEDUP_CACHE_ENTRIES: {{ $d.cacheEntries | quote }}
{{- end }}
{{- if eq $d.store "elasticsearch" }}
{{- with $d.elasticsearch.index }}
NEWSFLOW_DEDUP_INDEX: {{ . | quote }}
{{- end }}
{{- else }}
{{- $r := $d.redis }}
NEWSFLOW_DEDUP_REDIS_ADDR: {{ join "," $r.addrs | quote }}
{{- with $d.retention }}
NEWSFLOW_DEDUP_RETENTION: {{ . | quote }}
{{- end }}
{{- if $r.cluster }}
NEWSFLOW_DEDUP_REDIS_CLUSTER: "true"
{{- end }}
{{- if ne (int $r.db) 0 }}
NEWSFLOW_DEDUP_REDIS_DB: {{ $r.db | quote }}
{{- end }}
{{- with $r.keyPrefix }}
NEWSFLOW_DEDUP_REDIS_PREFIX: {{ . | quote }}
{{- end }}
{{- if ne (int $r.poolSize) 0 }}
NEWSFLOW_DEDUP_REDIS_POOL_SIZE: {{ $r.poolSize | quote }}
{{- end }}
{{- with $r.timeout }}
NEWSFLOW_DEDUP_REDIS_TIMEOUT: {{ . | quote }}
{{- end }}
{{- with $r.auth.username }}
NEWSFLOW_DEDUP_REDIS_USERNAME: {{ . | quote }}
{{- end }}
{{- if $r.auth.existingSecret }}
NEWSFLOW_DEDUP_REDIS_PASSWORD_FILE: "/etc/newsflow/dedup-redis-auth/password"
{{- end }}
{{- if $r.tls.enabled }}
NEWSFLOW_DEDUP_REDIS_TLS: "true"
{{- if $r.tls.existingSecret }}
NEWSFLOW_DEDUP_REDIS_CA_FILE: "/etc/newsflow/dedup-redis-tls/ca.crt"
{{- if $r.tls.certKey }}
NEWSFLOW_DEDUP_REDIS_CERT_FILE: "/etc/newsflow/dedup-redis-tls/tls.crt"
NEWSFLOW_DEDUP_REDIS_KEY_FILE: "/etc/newsflow/dedup-redis-tls/tls.key"
{{- end }}
{{- end }}
{{- with $r.tls.serverName }}
NEWSFLOW_DEDUP_REDIS_SERVER_NAME: {{ . | quote }}
{{- end }}
{{- if $r.tls.insecureSkipVerify }}
NEWSFLOW_DEDUP_REDIS_TLS_INSECURE: "true"
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Dedup store secret volumes and mounts of the consumer (pod spec). */}}
{{- define "newsflow.dedupVolumes" -}}
{{- $r := .Values.dedup.redis -}}
{{- if eq .Values.dedup.store "redis" }}
{{- if $r.auth.existingSecret }}
- name: dedup-redis-auth
  secret:
    secretName: {{ $r.auth.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ $r.auth.passwordKey }}
        path: password
{{- end }}
{{- if and $r.tls.enabled $r.tls.existingSecret }}
- name: dedup-redis-tls
  secret:
    secretName: {{ $r.tls.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ $r.tls.caKey }}
        path: ca.crt
      {{- if $r.tls.certKey }}
      - key: {{ $r.tls.certKey }}
        path: tls.crt
      - key: {{ $r.tls.keyKey }}
        path: tls.key
      {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "newsflow.dedupVolumeMounts" -}}
{{- $r := .Values.dedup.redis -}}
{{- if eq .Values.dedup.store "redis" }}
{{- if $r.auth.existingSecret }}
- name: dedup-redis-auth
  mountPath: /etc/newsflow/dedup-redis-auth
  readOnly: true
{{- end }}
{{- if and $r.tls.enabled $r.tls.existingSecret }}
- name: dedup-redis-tls
  mountPath: /etc/newsflow/dedup-redis-tls
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{/* Kafka secret volumes (pod spec). */}}
{{- define "newsflow.kafkaVolumes" -}}
{{- if .Values.kafka.sasl.enabled }}
- name: kafka-sasl
  secret:
    secretName: {{ .Values.kafka.sasl.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .Values.kafka.sasl.passwordKey }}
        path: password
{{- end }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.existingSecret }}
- name: kafka-tls
  secret:
    secretName: {{ .Values.kafka.tls.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .Values.kafka.tls.caKey }}
        path: ca.crt
      {{- if .Values.kafka.tls.certKey }}
      - key: {{ .Values.kafka.tls.certKey }}
        path: tls.crt
      - key: {{ .Values.kafka.tls.keyKey }}
        path: tls.key
      {{- end }}
{{- end }}
{{- end -}}

{{- define "newsflow.kafkaVolumeMounts" -}}
{{- if .Values.kafka.sasl.enabled }}
- name: kafka-sasl
  mountPath: /etc/newsflow/kafka-sasl
  readOnly: true
{{- end }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.existingSecret }}
- name: kafka-tls
  mountPath: /etc/newsflow/kafka-tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* Probes on the metrics port: /healthz (liveness, startup) and /readyz (readiness). */}}
{{- define "newsflow.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: metrics
  periodSeconds: 2
  failureThreshold: 30
livenessProbe:
  httpGet:
    path: /healthz
    port: metrics
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: metrics
  periodSeconds: 5
  timeoutSeconds: 4
  failureThreshold: 2
{{- end -}}
