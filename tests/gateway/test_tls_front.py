"""The TLS front as deployed (compose's ``tls`` and the Kubernetes Ingress overlay) agrees with
the gateway: it forwards to the gateway's port with ``X-Forwarded-Proto: https``, the gateway
believes it (``SIPMAS_TRUST_PROXY``) and is not reachable around it; the Ingress names the
gateway's Service and port and a TLS Secret. (tests/deploy validates the files' schemas.)"""

from __future__ import annotations

import re

import yaml

from tests.deploy import support

TLS = support.ROOT / "deploy" / "tls"


def test_compose_puts_the_tls_front_before_the_gateway():
    spec = support.compose()
    gateway, front = spec["services"]["gateway"], spec["services"]["tls"]
    env = support.compose_environment(gateway)
    assert env["SIPMAS_TRUST_PROXY"] == "1" and env["SIPMAS_SECRET_KEY"]
    assert gateway["ports"] == ["127.0.0.1:8000:8000"]  # this host only: LAN traffic is HTTPS
    assert front["ports"] == ["443:443", "80:80"]
    mounts = {path: source for source, path, _ in support.compose_mounts(front)}
    assert mounts["/etc/nginx/nginx.conf"] == "./deploy/tls/nginx.conf"
    assert mounts["/etc/nginx/certs"] == "./deploy/tls/certs"
    assert front["depends_on"]["gateway"] == {"condition": "service_healthy"}
    port = env["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    conf = (TLS / "nginx.conf").read_text()
    assert f"server gateway:{port};" in conf
    assert "proxy_set_header X-Forwarded-Proto https;" in conf
    assert re.search(r"listen 443 ssl", conf) and "return 301 https://" in conf
    assert "/etc/nginx/certs/sipmas.crt" in conf and "/etc/nginx/certs/sipmas.key" in conf


def test_the_ingress_overlay_serves_the_gateway_over_tls():
    kustomization = yaml.safe_load((support.K8S / "tls" / "kustomization.yaml").read_text())
    assert kustomization["resources"] == ["../", "ingress.yaml"]
    [patch] = kustomization["patches"]
    assert "SIPMAS_TRUST_PROXY" in patch["patch"]
    assert patch["target"] == {"kind": "ConfigMap", "name": "sipmas-config"}
    ingress = yaml.safe_load((support.K8S / "tls" / "ingress.yaml").read_text())
    assert (ingress["apiVersion"], ingress["kind"]) == ("networking.k8s.io/v1", "Ingress")
    assert ingress["metadata"]["namespace"] == "sipmas"
    [tls] = ingress["spec"]["tls"]
    [rule] = ingress["spec"]["rules"]
    assert tls["secretName"] == "sipmas-tls" and rule["host"] in tls["hosts"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    service = support.k8s_objects("Service")[backend["name"]]
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "gateway"
