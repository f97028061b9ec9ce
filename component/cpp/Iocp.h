// Everything of the C++ component in one include.
#pragma once

#include "IocpExceptions.h"
#include "IocpFraming.h"
#include "IocpHeartbeat.h"
#include "IocpIOHandler.h"
#include "IocpSSL.h"
#include "IocpStack.h"
#include "IocpTCPClient.h"
#include "IocpTCPServer.h"
