"""Swaps two names in a loop with renameat2(RENAME_EXCHANGE), so one path flips between a real
directory and a symlink pointing out of the repository, with no moment where it is missing.
Used by write-race.test.ts. Prints "ready" once swapping, and the swap count when stopped by
SIGTERM (or after its own deadline, so a crashed test never leaves it running). Ends with the
real directory back under its first name."""
import ctypes, os, signal, sys, time

RENAME_EXCHANGE = 2
AT_FDCWD = -100
libc = ctypes.CDLL(None, use_errno=True)
libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]

first, second, limit = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2]), float(sys.argv[3])
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)

def exchange():
    if libc.renameat2(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE) != 0:
        raise OSError(ctypes.get_errno(), "renameat2")

swaps = 0
deadline = time.monotonic() + limit
exchange()
swaps += 1
print("ready", flush=True)
while not stop and time.monotonic() < deadline:
    exchange()
    swaps += 1
if os.path.islink(first):
    exchange()
    swaps += 1
print(swaps, flush=True)
