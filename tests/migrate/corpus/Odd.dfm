object Form1: TForm1 [0]
  Font.Style = [fsBold, fsItalic]
  Data = {
    0A0B0C0D
    0E0F}
  Lines.Strings = (
    'one'
    'two' +
      'three'#13#10
    #233)
  Numbers = (1 2 -3 4.5E+10 $FF)
  Items = <
    item [0]
      Caption = 'a'
      Sub = <
        item
          X = 1
        end>
    end
    item
    end>
  object IdTCPServer1: TIdTCPServer
    Bindings = <
      item
        IP = '::'
        IPVersion = Id_IPv6
        Port = 1
      end>
    Intercept = IdServerInterceptLogFile1
    IOHandler = IdServerIOHandlerSSLOpenSSL1
    MaxConnectionReply.Code = '500'
    OnStatus = S
  end
  object TIdCustomTCPServer
  end
end
