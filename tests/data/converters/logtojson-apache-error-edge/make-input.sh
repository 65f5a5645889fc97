#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '[Wed Oct 11 14:32:52 2000] [core:error] [pid 1] [client 10.0.0.1] File "C:\\x\\y" not found\t\001 \177\n'
printf '[Wed\013Oct 11\t14:32:52 2000] [error] [pid 2] [client 10.0.0.1] ws\n'
printf '[Wed Oct 11 14:32:52 2000] [error] [pid 3] [client 10.0.0.1:8080] bad \355\240\200 \340\200\200 end\n'
printf '[Wed Oct 11 14:32:52 2000] [error] [pid 4] [client 10.0.0.1] \n'
printf '[Wed Oct 11 14:32:52 2000] [error] [pid 5] [client 10.0.0.1] crlf\r\n'
printf '[Wed\302\240Oct 11 14:32:52 2000] [error] [pid 6] [client 10.0.0.1] nbsp\n'
printf '\n'
printf '[Wed Oct 11 14:32:52 2000] [error] [pid 8] [client 10.0.0.1] ps\342\200\251x\n'
printf '[Wed Oct 11 14:32:52.5 2000] [ssl:warn] [pid 9:tid 10] [client host.example.] last'
} >input
