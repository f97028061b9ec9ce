object ServerData: TServerData
  OldCreateOrder = False
  Height = 150
  Width = 215
  object IdTCPServer1: TIdTCPServer
    Bindings = <
      item
        IP = '127.0.0.1'
        Port = 6000
      end>
    DefaultPort = 6000
    MaxConnections = 100
    OnConnect = IdTCPServer1Connect
    OnDisconnect = IdTCPServer1Disconnect
    OnException = IdTCPServer1Exception
    Scheduler = IdSchedulerOfThreadDefault1
    OnExecute = IdTCPServer1Execute
    Left = 56
    Top = 32
  end
  object IdSchedulerOfThreadDefault1: TIdSchedulerOfThreadDefault
    MaxThreads = 0
    Left = 152
    Top = 32
  end
end
