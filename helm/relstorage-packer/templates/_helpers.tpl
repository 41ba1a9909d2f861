{{/* Chart name, possibly overridden. */}}
{{- define "relstorage-packer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's resources. */}}
{{- define "relstorage-packer.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "relstorage-packer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "relstorage-packer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "relstorage-packer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "relstorage-packer.labels" -}}
helm.sh/chart: {{ include "relstorage-packer.chart" . }}
{{ include "relstorage-packer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "relstorage-packer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "relstorage-packer.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "relstorage-packer.databaseSecret" -}}
{{- default (printf "%s-database" (include "relstorage-packer.fullname" .)) .Values.database.existingSecret }}
{{- end }}

{{/* How the daemon gets its API token: "env", "file", or empty (none; one-shot packs serve no API). */}}
{{- define "relstorage-packer.apiToken" -}}
{{- if and .Values.api.existingSecret (eq .Values.mode "daemon") }}{{ .Values.api.tokenFrom }}{{ end }}
{{- end }}

{{/*
application.yml: the operator's config, overridden by what the chart must keep consistent with the
rest of the manifests (ports the probes and the Service use, the blob mount, the token file).
*/}}
{{- define "relstorage-packer.applicationYml" -}}
{{- $chart := dict "server" (dict "port" .Values.ports.http) "management" (dict "server" (dict "port" .Values.ports.management)) }}
{{- $packer := dict }}
{{- if .Values.blobs.enabled }}
{{- $_ := set $packer "collector" (dict "blob-directory" .Values.blobs.mountPath) }}
{{- end }}
{{- if eq .Values.mode "cronjob" }}
{{- $collector := default (dict) $packer.collector }}
{{- $_ := set $collector "enabled" false }}
{{- $_ := set $packer "collector" $collector }}
{{- end }}
{{- $api := dict }}
{{- if .Values.api.publicStatus }}
{{- $_ := set $api "public-status" true }}
{{- end }}
{{- if eq (include "relstorage-packer.apiToken" .) "file" }}
{{- $_ := set $api "token-file" (printf "%s/%s" .Values.api.secretMountPath .Values.api.tokenKey) }}
{{- end }}
{{- if $api }}
{{- $_ := set $packer "api" $api }}
{{- end }}
{{- if $packer }}
{{- $_ := set $chart "packer" $packer }}
{{- end }}
{{- toYaml (mustMergeOverwrite (deepCopy .Values.config) $chart) }}
{{- end }}

{{/*
The pod of the daemon (Deployment) and of the one-shot pack (CronJob). Argument: dict with "root"
(the chart context) and "pack" (true for the CronJob's pod).
*/}}
{{- define "relstorage-packer.podSpec" -}}
{{- $root := .root }}
{{- $v := $root.Values -}}
serviceAccountName: {{ include "relstorage-packer.serviceAccountName" $root }}
automountServiceAccountToken: false
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
{{- if .pack }}
restartPolicy: Never
{{- end }}
containers:
  - name: packer
    image: "{{ $v.image.repository }}:{{ $v.image.tag | default $root.Chart.AppVersion }}"
    imagePullPolicy: {{ $v.image.pullPolicy }}
    {{- if .pack }}
    args:
      - pack
      - --days={{ $v.cronjob.days }}
      {{- if $v.cronjob.dryRun }}
      - --dry-run
      {{- end }}
    {{- else }}
    ports:
      - name: http
        containerPort: {{ $v.ports.http }}
        protocol: TCP
      - name: management
        containerPort: {{ $v.ports.management }}
        protocol: TCP
    {{- end }}
    env:
      {{- with $v.database.url }}
      - name: SPRING_DATASOURCE_URL
        value: {{ . | quote }}
      {{- end }}
      - name: SPRING_DATASOURCE_USERNAME
        valueFrom:
          secretKeyRef:
            name: {{ include "relstorage-packer.databaseSecret" $root }}
            key: {{ $v.database.usernameKey }}
      - name: SPRING_DATASOURCE_PASSWORD
        valueFrom:
          secretKeyRef:
            name: {{ include "relstorage-packer.databaseSecret" $root }}
            key: {{ $v.database.passwordKey }}
      {{- if eq (include "relstorage-packer.apiToken" $root) "env" }}
      - name: PACKER_API_TOKEN
        valueFrom:
          secretKeyRef:
            name: {{ $v.api.existingSecret }}
            key: {{ $v.api.tokenKey }}
      {{- end }}
      {{- with $v.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- if not .pack }}
    {{- with $v.startupProbe }}
    {{- if .enabled }}
    startupProbe:
      httpGet:
        path: /actuator/health/liveness
        port: management
      periodSeconds: {{ .periodSeconds }}
      timeoutSeconds: {{ .timeoutSeconds }}
      failureThreshold: {{ .failureThreshold }}
    {{- end }}
    {{- end }}
    {{- with $v.livenessProbe }}
    {{- if .enabled }}
    livenessProbe:
      httpGet:
        path: /actuator/health/liveness
        port: management
      periodSeconds: {{ .periodSeconds }}
      timeoutSeconds: {{ .timeoutSeconds }}
      failureThreshold: {{ .failureThreshold }}
    {{- end }}
    {{- end }}
    {{- with $v.readinessProbe }}
    {{- if .enabled }}
    readinessProbe:
      httpGet:
        path: /actuator/health/readiness
        port: management
      periodSeconds: {{ .periodSeconds }}
      timeoutSeconds: {{ .timeoutSeconds }}
      failureThreshold: {{ .failureThreshold }}
    {{- end }}
    {{- end }}
    {{- end }}
    securityContext:
      {{- toYaml $v.containerSecurityContext | nindent 6 }}
    {{- with $v.resources }}
    resources:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    volumeMounts:
      - name: config
        mountPath: /app/config
        readOnly: true
      - name: tmp
        mountPath: /tmp
      {{- if $v.blobs.enabled }}
      - name: blobs
        mountPath: {{ $v.blobs.mountPath }}
        {{- with $v.blobs.subPath }}
        subPath: {{ . }}
        {{- end }}
      {{- end }}
      {{- if eq (include "relstorage-packer.apiToken" $root) "file" }}
      - name: api-token
        mountPath: {{ $v.api.secretMountPath }}
        readOnly: true
      {{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "relstorage-packer.fullname" $root }}
  - name: tmp
    emptyDir:
      sizeLimit: {{ $v.tmpSizeLimit }}
  {{- if $v.blobs.enabled }}
  - name: blobs
    persistentVolumeClaim:
      claimName: {{ required "blobs.existingClaim is required when blobs.enabled is true" $v.blobs.existingClaim }}
  {{- end }}
  {{- if eq (include "relstorage-packer.apiToken" $root) "file" }}
  - name: api-token
    secret:
      secretName: {{ $v.api.existingSecret }}
      defaultMode: 0440
      items:
        - key: {{ $v.api.tokenKey }}
          path: {{ $v.api.tokenKey }}
  {{- end }}
{{- with $v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
