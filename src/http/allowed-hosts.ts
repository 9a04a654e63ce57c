import { networkInterfaces } from "node:os";
import { localhostAllowedHostnames } from "@modelcontextprotocol/server";
import type { Config } from "../config/index.ts";

function hostnameOf(value: string): string {
  try {
    return new URL(value).hostname;
  } catch {
    return value;
  }
}

/** Host header values this server answers to: loopback names, the bound address, configured public hosts. */
export function allowedHostnames(config: Config, boundHost: string): string[] {
  const publicUrl = config.server.public_url ? [hostnameOf(config.server.public_url)] : [];
  const hosts = new Set([...localhostAllowedHostnames(), ...config.server.public_hosts.map(hostnameOf), ...publicUrl]);
  if (boundHost === "0.0.0.0" || boundHost === "::") {
    for (const addresses of Object.values(networkInterfaces()))
      for (const address of addresses ?? []) hosts.add(address.family === "IPv6" ? `[${address.address}]` : address.address);
  } else {
    hosts.add(boundHost.includes(":") && !boundHost.startsWith("[") ? `[${boundHost}]` : boundHost);
  }
  return [...hosts];
}

/** Origin hostnames a browser page may call from: loopback pages and configured origins only. */
export function allowedOriginHostnames(config: Config): string[] {
  return [...new Set([...localhostAllowedHostnames(), ...config.server.allowed_origins.map(hostnameOf)])];
}
