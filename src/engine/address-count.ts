/** Local connections per client address, for `maxConnectionsPerIp`. */
export class AddressCount {
  private readonly counts = new Map<string, number>();

  /** Connections `address` holds on this process. */
  of(address: string): number {
    return this.counts.get(address) ?? 0;
  }

  add(address: string): void {
    this.counts.set(address, this.of(address) + 1);
  }

  /** Frees one place of `address`. */
  release(address: string | undefined): void {
    if (!address) return;
    const left = (this.counts.get(address) ?? 1) - 1;
    if (left > 0) this.counts.set(address, left);
    else this.counts.delete(address);
  }
}
