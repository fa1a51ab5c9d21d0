"""A ThreadPoolExecutor maps a blocking urlopen download over three URLs.

Expected:
loop-never-blocked: n/a
no-lost-update: n/a
no-deadlock: yes
offload-in-parallel: yes
"""
import urllib.request
from concurrent.futures import ThreadPoolExecutor

URLS = ["http://example.com/", "http://example.org/", "http://example.net/"]


def download(u):
    # Each worker blocks in the socket read with the GIL released.
    return urllib.request.urlopen(u).read()


def main():
    with ThreadPoolExecutor(max_workers=3) as ex:
        bodies = list(ex.map(download, URLS))
    print("downloaded", len(bodies), "pages")


if __name__ == "__main__":
    main()
