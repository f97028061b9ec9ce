// TIocpTCPServer's XML configuration (LoadFromXml / SaveToXml and the string forms): the format,
// round trips, every kind of bad input, files, and a loaded configuration that serves.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "../common/mutate.h"
#include "Iocp.h"
#include "backend_names.h"
#include "files.h"
#include "server_fixture.h"

namespace {

using namespace Iocp;
using testing_support::readFile;
using testing_support::TempDir;

// What SaveToXmlString writes for a server with every property at its default.
const char kDefaults[] =
    "<?xml version=\"1.0\"?>\n"
    "<!-- TIocpTCPServer properties (LoadFromXml/SaveToXml). A missing element keeps its value. "
    "MaxConnectionReply, Payload and Delimiter use C escapes: \\\\ \\r \\n \\t \\xHH. -->\n"
    "<TIocpTCPServer>\n"
    "  <DefaultPort>0</DefaultPort>\n"
    "  <Bindings />\n"
    "  <ListenQueue>0</ListenQueue>\n"
    "  <MaxConnections>0</MaxConnections>\n"
    "  <MaxConnectionReply />\n"
    "  <ReuseSocket>true</ReuseSocket>\n"
    "  <ReusePort>false</ReusePort>\n"
    "  <UseNagle>true</UseNagle>\n"
    "  <TerminateWaitTime>5000</TerminateWaitTime>\n"
    "  <IOHandlerOptions>\n"
    "    <IOHandlerType>iohDefault</IOHandlerType>\n"
    "    <IOCP>\n"
    "      <IOCPThreads>0</IOCPThreads>\n"
    "      <WorkOpThreads>0</WorkOpThreads>\n"
    "      <FiberStackSize>262144</FiberStackSize>\n"
    "      <MaxPendingOutput>4194304</MaxPendingOutput>\n"
    "      <Backend>ibDefault</Backend>\n"
    "      <SlowConsumer>scPauseReading</SlowConsumer>\n"
    "    </IOCP>\n"
    "  </IOHandlerOptions>\n"
    "  <Heartbeat>\n"
    "    <Enabled>false</Enabled>\n"
    "    <Interval>30000</Interval>\n"
    "    <Timeout>10000</Timeout>\n"
    "    <Mode>hbAlways</Mode>\n"
    "    <Payload />\n"
    "  </Heartbeat>\n"
    "  <KeepAlive>\n"
    "    <Enabled>false</Enabled>\n"
    "    <Time>60000</Time>\n"
    "    <Interval>10000</Interval>\n"
    "  </KeepAlive>\n"
    "  <IdleTimeout>0</IdleTimeout>\n"
    "  <UserTimeout>0</UserTimeout>\n"
    "  <ReceiveBufferSize>0</ReceiveBufferSize>\n"
    "  <SendBufferSize>0</SendBufferSize>\n"
    "  <Framing>\n"
    "    <Kind>fkNone</Kind>\n"
    "    <Delimiter>\\n</Delimiter>\n"
    "    <LengthBytes>4</LengthBytes>\n"
    "    <BigEndian>true</BigEndian>\n"
    "    <MaxFrameSize>1048576</MaxFrameSize>\n"
    "  </Framing>\n"
    "  <SSLOptions>\n"
    "    <Enabled>false</Enabled>\n"
    "    <CertFile />\n"
    "    <KeyFile />\n"
    "    <RootCertFile />\n"
    "    <CipherList />\n"
    "    <SSLVersions>[sslvTLSv1_2,sslvTLSv1_3]</SSLVersions>\n"
    "    <Mode>sslmUnassigned</Mode>\n"
    "    <VerifyMode>[]</VerifyMode>\n"
    "    <VerifyDepth>0</VerifyDepth>\n"
    "    <PassThrough>false</PassThrough>\n"
    "    <HandshakeTimeout>10000</HandshakeTimeout>\n"
    "    <SNICertificates />\n"
    "  </SSLOptions>\n"
    "  <ProxyProtocol>\n"
    "    <Mode>ppOff</Mode>\n"
    "    <TrustedSources />\n"
    "    <Timeout>5000</Timeout>\n"
    "  </ProxyProtocol>\n"
    "</TIocpTCPServer>\n";

// Every property changed from its default.
void changeEverything(TIocpTCPServer& s) {
  s.DefaultPort = 9100;
  TIocpSocketHandle& b1 = s.Bindings.Add();
  b1.IP = "127.0.0.1";
  b1.Port = 9101;
  TIocpSocketHandle& b2 = s.Bindings.Add();
  b2.IP = "::1";
  b2.Port = 0;
  s.ListenQueue = 64;
  s.MaxConnections = 100;
  s.MaxConnectionReply = "Busy <&> \"try\" later";
  s.ReuseSocket = false;
  s.UseNagle = false;
  s.TerminateWaitTime = 1500;
  s.IOHandlerOptions.IOHandlerType = iohIOCP;
  s.IOHandlerOptions.IOCP.IOCPThreads = 3;
  s.IOHandlerOptions.IOCP.WorkOpThreads = 2;
  s.IOHandlerOptions.IOCP.FiberStackSize = 128 * 1024;
  s.IOHandlerOptions.IOCP.MaxPendingOutput = 1024 * 1024;
  s.IOHandlerOptions.IOCP.Backend = ibIoUring;
  s.Heartbeat.Enabled = true;
  s.Heartbeat.Interval = 1000;
  s.Heartbeat.Timeout = 2500;
  s.Heartbeat.Mode = hbWhenIdle;
  s.Heartbeat.Payload = "PING\r\n";
  s.KeepAlive.Enabled = true;
  s.KeepAlive.Time = 30000;
  s.KeepAlive.Interval = 5000;
  s.IdleTimeout = 60000;
  s.UserTimeout = 20000;
  s.ReceiveBufferSize = 65536;
  s.SendBufferSize = 32768;
  s.Framing.Kind = fkLengthPrefixed;
  s.Framing.Delimiter = "\r\n";
  s.Framing.LengthBytes = 2;
  s.Framing.BigEndian = false;
  s.Framing.MaxFrameSize = 4096;
  s.SSLOptions.Enabled = true;
  s.SSLOptions.CertFile = "server.pem";
  s.SSLOptions.KeyFile = "server.key";
  s.SSLOptions.RootCertFile = "ca.pem";
  s.SSLOptions.CipherList = "HIGH:!aNULL";
  s.SSLOptions.SSLVersions = TIdSSLVersions{sslvTLSv1_3};
  s.SSLOptions.Mode = sslmServer;
  s.SSLOptions.VerifyMode = TIdSSLVerifyModeSet{sslvrfPeer, sslvrfFailIfNoPeerCert};
  s.SSLOptions.VerifyDepth = 4;
  s.SSLOptions.PassThrough = true;
  s.SSLOptions.HandshakeTimeout = 2500;
  s.SSLOptions.SNICertificates = {{"mail.example.com", "mail.pem", "mail.key"}, {"*.example.org", "org.pem", "org.key"}};
}

void expectSameOptions(TIocpTCPServer& a, TIocpTCPServer& b) {
  EXPECT_EQ(a.DefaultPort, b.DefaultPort);
  ASSERT_EQ(a.Bindings.Count(), b.Bindings.Count());
  ASSERT_EQ(a.SSLOptions.SNICertificates.size(), b.SSLOptions.SNICertificates.size());
  for (std::size_t i = 0; i < a.SSLOptions.SNICertificates.size(); ++i) {
    EXPECT_EQ(a.SSLOptions.SNICertificates[i].HostName, b.SSLOptions.SNICertificates[i].HostName) << i;
    EXPECT_EQ(a.SSLOptions.SNICertificates[i].CertFile, b.SSLOptions.SNICertificates[i].CertFile) << i;
    EXPECT_EQ(a.SSLOptions.SNICertificates[i].KeyFile, b.SSLOptions.SNICertificates[i].KeyFile) << i;
  }
  for (int i = 0; i < a.Bindings.Count(); ++i) {
    EXPECT_EQ(a.Bindings[i].IP, b.Bindings[i].IP) << "binding " << i;
    EXPECT_EQ(a.Bindings[i].Port, b.Bindings[i].Port) << "binding " << i;
  }
  EXPECT_EQ(a.ListenQueue, b.ListenQueue);
  EXPECT_EQ(a.MaxConnections, b.MaxConnections);
  EXPECT_EQ(a.MaxConnectionReply, b.MaxConnectionReply);
  EXPECT_EQ(a.ReuseSocket, b.ReuseSocket);
  EXPECT_EQ(a.UseNagle, b.UseNagle);
  EXPECT_EQ(a.TerminateWaitTime, b.TerminateWaitTime);
  EXPECT_EQ(a.IOHandlerOptions.IOHandlerType, b.IOHandlerOptions.IOHandlerType);
  EXPECT_EQ(a.IOHandlerOptions.IOCP.IOCPThreads, b.IOHandlerOptions.IOCP.IOCPThreads);
  EXPECT_EQ(a.IOHandlerOptions.IOCP.WorkOpThreads, b.IOHandlerOptions.IOCP.WorkOpThreads);
  EXPECT_EQ(a.IOHandlerOptions.IOCP.FiberStackSize, b.IOHandlerOptions.IOCP.FiberStackSize);
  EXPECT_EQ(a.IOHandlerOptions.IOCP.MaxPendingOutput, b.IOHandlerOptions.IOCP.MaxPendingOutput);
  EXPECT_EQ(a.IOHandlerOptions.IOCP.Backend, b.IOHandlerOptions.IOCP.Backend);
  EXPECT_EQ(a.Heartbeat.Enabled, b.Heartbeat.Enabled);
  EXPECT_EQ(a.Heartbeat.Interval, b.Heartbeat.Interval);
  EXPECT_EQ(a.Heartbeat.Timeout, b.Heartbeat.Timeout);
  EXPECT_EQ(a.Heartbeat.Mode, b.Heartbeat.Mode);
  EXPECT_EQ(a.Heartbeat.Payload, b.Heartbeat.Payload);
  EXPECT_EQ(a.KeepAlive.Enabled, b.KeepAlive.Enabled);
  EXPECT_EQ(a.KeepAlive.Time, b.KeepAlive.Time);
  EXPECT_EQ(a.KeepAlive.Interval, b.KeepAlive.Interval);
  EXPECT_EQ(a.IdleTimeout, b.IdleTimeout);
  EXPECT_EQ(a.UserTimeout, b.UserTimeout);
  EXPECT_EQ(a.ReceiveBufferSize, b.ReceiveBufferSize);
  EXPECT_EQ(a.SendBufferSize, b.SendBufferSize);
  EXPECT_EQ(a.Framing.Kind, b.Framing.Kind);
  EXPECT_EQ(a.Framing.Delimiter, b.Framing.Delimiter);
  EXPECT_EQ(a.Framing.LengthBytes, b.Framing.LengthBytes);
  EXPECT_EQ(a.Framing.BigEndian, b.Framing.BigEndian);
  EXPECT_EQ(a.Framing.MaxFrameSize, b.Framing.MaxFrameSize);
}

// The message of the EIocpConfigError a load raises ("" if none), and its Path.
struct LoadError {
  std::string message;
  std::string path;
};
LoadError loadError(TIocpTCPServer& s, const std::string& xml) {
  try {
    s.LoadFromXmlString(xml);
  } catch (const EIocpConfigError& e) {
    return {e.what(), e.Path};
  }
  return {};
}
LoadError loadError(const std::string& xml) {
  TIocpTCPServer s;
  return loadError(s, xml);
}

void expectContains(const std::string& message, const std::vector<std::string>& parts) {
  EXPECT_FALSE(message.empty()) << "no EIocpConfigError";
  for (const std::string& p : parts) {
    EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
  }
}

std::string inRoot(const std::string& body) { return "<TIocpTCPServer>" + body + "</TIocpTCPServer>"; }

TEST(XmlConfig, DefaultsAreSavedAsEveryPropertyInDeclarationOrder) {
  TIocpTCPServer s;
  EXPECT_EQ(s.SaveToXmlString(), kDefaults);
}

TEST(XmlConfig, SaveLoadSaveOfDefaultsIsByteIdentical) {
  TIocpTCPServer a;
  const std::string first = a.SaveToXmlString();
  TIocpTCPServer b;
  changeEverything(b);
  b.LoadFromXmlString(first);
  EXPECT_EQ(b.SaveToXmlString(), first);
  expectSameOptions(a, b);
}

TEST(XmlConfig, EveryPropertyChangedRoundTripsAndLoadsTheValuesThatWereSet) {
  TIocpTCPServer a;
  changeEverything(a);
  const std::string first = a.SaveToXmlString();
  TIocpTCPServer b;
  b.LoadFromXmlString(first);
  expectSameOptions(a, b);
  EXPECT_EQ(b.SaveToXmlString(), first);
  // The values as set, not only as a round trip sees them.
  EXPECT_EQ(b.DefaultPort, 9100);
  ASSERT_EQ(b.Bindings.Count(), 2);
  EXPECT_EQ(b.Bindings[1].IP, "::1");
  EXPECT_EQ(b.IOHandlerOptions.IOHandlerType, iohIOCP);
  EXPECT_EQ(b.IOHandlerOptions.IOCP.FiberStackSize, 128 * 1024);
  EXPECT_EQ(b.IOHandlerOptions.IOCP.Backend, ibIoUring);
  EXPECT_EQ(b.Heartbeat.Mode, hbWhenIdle);
  EXPECT_EQ(b.Heartbeat.Payload, "PING\r\n");
  EXPECT_EQ(b.MaxConnectionReply, "Busy <&> \"try\" later");
  EXPECT_NE(first.find("<Payload>PING\\r\\n</Payload>"), std::string::npos) << first;
  EXPECT_NE(first.find("<Binding IP=\"127.0.0.1\" Port=\"9101\" />"), std::string::npos) << first;
  EXPECT_NE(first.find("<IOHandlerType>iohIOCP</IOHandlerType>"), std::string::npos) << first;
  EXPECT_NE(first.find("<Backend>ibIoUring</Backend>"), std::string::npos) << first;
  EXPECT_NE(first.find("<Certificate HostName=\"*.example.org\" CertFile=\"org.pem\" KeyFile=\"org.key\" />"),
            std::string::npos)
      << first;
}

TEST(XmlConfig, SniCertificatesReplaceTheListAndABadOneIsRefusedWithItsPath) {
  TIocpTCPServer s;
  s.LoadFromXmlString(inRoot("<SSLOptions><SNICertificates><Certificate HostName=\"a.test\" CertFile=\"a.pem\" "
                             "KeyFile=\"a.key\"/></SNICertificates></SSLOptions>"));
  ASSERT_EQ(s.SSLOptions.SNICertificates.size(), 1u);
  EXPECT_EQ(s.SSLOptions.SNICertificates[0].KeyFile, "a.key");
  s.LoadFromXmlString(inRoot("<SSLOptions><CertFile>x.pem</CertFile></SSLOptions>"));  // Not named: kept.
  EXPECT_EQ(s.SSLOptions.SNICertificates.size(), 1u);
  expectContains(loadError(s, inRoot("<SSLOptions><SNICertificates><Certificate HostName=\"b.test\" "
                                     "CertFile=\"b.pem\"/></SNICertificates></SSLOptions>")).message,
                 {"SSLOptions/SNICertificates/Certificate[1]", "KeyFile is missing"});
  expectContains(loadError(s, inRoot("<SSLOptions><SNICertificates><Cert/></SNICertificates></SSLOptions>")).message,
                 {"SNICertificates/Cert", "allowed here: Certificate"});
  EXPECT_EQ(s.SSLOptions.SNICertificates.size(), 1u);  // A refused load changes nothing.
}

TEST(XmlConfig, CarriageReturnsControlBytesAndNonAsciiInStringsRoundTrip) {
  const std::string samples[] = {
      std::string("PING\r\n"),
      std::string("a\rb\nc\r\n\r\n"),
      std::string("nul\0byte\x01\x1f\x7f", 11),
      std::string("tab\there \\ backslash \\r not an escape"),
      std::string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),  // Valid UTF-8: written as it is.
      std::string("\xFF\xFE\xC3 broken \x80 UTF-8 \xED\xA0\x80"),  // Not valid UTF-8: \xHH.
      std::string("  spaces around  "),
      std::string(" "),
      std::string("<tag attr=\"x\"> & ]]> end"),
  };
  for (const std::string& text : samples) {
    TIocpTCPServer a;
    a.Heartbeat.Payload = text;
    a.MaxConnectionReply = text;
    const std::string xml = a.SaveToXmlString();
    TIocpTCPServer b;
    b.LoadFromXmlString(xml);
    EXPECT_EQ(b.Heartbeat.Payload, text) << xml;
    EXPECT_EQ(b.MaxConnectionReply, text) << xml;
    EXPECT_EQ(b.SaveToXmlString(), xml);
  }
  TIocpTCPServer s;
  s.Heartbeat.Payload = std::string("A\r\n\0\xFF\xC3\xA9\\", 8);
  EXPECT_NE(s.SaveToXmlString().find("<Payload>A\\r\\n\\x00\\xFF\xC3\xA9\\\\</Payload>"), std::string::npos)
      << s.SaveToXmlString();
}

TEST(XmlConfig, HandWrittenEscapesEntitiesAndCdataAreDecoded) {
  TIocpTCPServer s;
  s.LoadFromXmlString(inRoot("<MaxConnectionReply>Full&#13;&#10;&lt;x&gt;</MaxConnectionReply>"
                             "<Heartbeat><Payload><![CDATA[PING\\r\\n<&>]]></Payload></Heartbeat>"));
  EXPECT_EQ(s.MaxConnectionReply, "Full\r\n<x>");
  EXPECT_EQ(s.Heartbeat.Payload, "PING\r\n<&>");
  s.LoadFromXmlString(inRoot("<Heartbeat><Payload>\\x41\\x0d\\x0A</Payload></Heartbeat>"));
  EXPECT_EQ(s.Heartbeat.Payload, "A\r\n");
}

TEST(XmlConfig, MissingElementsKeepTheirValuesLikeAForm) {
  TIocpTCPServer s;
  changeEverything(s);
  s.LoadFromXmlString(inRoot("<UseNagle>true</UseNagle><IOHandlerOptions><IOCP><IOCPThreads>7</IOCPThreads>"
                             "</IOCP></IOHandlerOptions><Heartbeat/>"));
  TIocpTCPServer expected;
  changeEverything(expected);
  expected.UseNagle = true;
  expected.IOHandlerOptions.IOCP.IOCPThreads = 7;
  expectSameOptions(s, expected);
  // Whitespace around a number, boolean or name is allowed (hand-indented files).
  s.LoadFromXmlString(inRoot("<DefaultPort>\n  8080\n</DefaultPort><ReuseSocket> true </ReuseSocket>"
                             "<IOHandlerOptions><IOHandlerType> iohEPOLL </IOHandlerType></IOHandlerOptions>"));
  EXPECT_EQ(s.DefaultPort, 8080);
  EXPECT_TRUE(s.ReuseSocket);
  EXPECT_EQ(s.IOHandlerOptions.IOHandlerType, iohIOCP);  // iohEPOLL is iohIOCP's alias.
}

TEST(XmlConfig, BindingsReplaceTheListAndABindingWithoutPortTakesDefaultPort) {
  TIocpTCPServer s;
  s.Bindings.Add().IP = "10.0.0.1";
  s.LoadFromXmlString(inRoot("<Bindings><Binding IP=\"127.0.0.1\"/><Binding Port=\"81\"/></Bindings>"
                             "<DefaultPort>8000</DefaultPort>"));
  ASSERT_EQ(s.Bindings.Count(), 2);
  EXPECT_EQ(s.Bindings[0].IP, "127.0.0.1");
  EXPECT_EQ(s.Bindings[0].Port, 8000);  // DefaultPort, although it comes later in the document.
  EXPECT_EQ(s.Bindings[1].IP, "");
  EXPECT_EQ(s.Bindings[1].Port, 81);
  s.LoadFromXmlString(inRoot("<Bindings/>"));
  EXPECT_EQ(s.Bindings.Count(), 0);
}

TEST(XmlConfig, EachKindOfBadValueIsRejectedNamingTheElementTheValueAndWhatIsAllowed) {
  struct Case {
    std::string xml;
    std::vector<std::string> parts;
  };
  const Case cases[] = {
      {inRoot("<DefaultPort>70000</DefaultPort>"),
       {"TIocpTCPServer/DefaultPort", "'70000'", "out of range", "0..65535"}},
      {inRoot("<DefaultPort>80a</DefaultPort>"),
       {"TIocpTCPServer/DefaultPort", "'80a'", "not a whole number", "0..65535"}},
      {inRoot("<DefaultPort></DefaultPort>"), {"TIocpTCPServer/DefaultPort", "''", "not a whole number"}},
      {inRoot("<MaxConnections>99999999999999999999</MaxConnections>"),
       {"TIocpTCPServer/MaxConnections", "out of range", "0..2147483647"}},
      {inRoot("<IOHandlerOptions><IOCP><IOCPThreads>-2</IOCPThreads></IOCP></IOHandlerOptions>"),
       {"TIocpTCPServer/IOHandlerOptions/IOCP/IOCPThreads", "'-2'", "0..1024"}},
      {inRoot("<IOHandlerOptions><IOCP><WorkOpThreads>-1</WorkOpThreads></IOCP></IOHandlerOptions>"),
       {"TIocpTCPServer/IOHandlerOptions/IOCP/WorkOpThreads", "'-1'", "0..1024"}},
      {inRoot("<IOHandlerOptions><IOCP><FiberStackSize>4096</FiberStackSize></IOCP></IOHandlerOptions>"),
       {"TIocpTCPServer/IOHandlerOptions/IOCP/FiberStackSize", "'4096'", "16384..1073741824"}},
      {inRoot("<UseNagle>yes</UseNagle>"), {"TIocpTCPServer/UseNagle", "'yes'", "true, false"}},
      {inRoot("<KeepAlive><Enabled>True</Enabled></KeepAlive>"),
       {"TIocpTCPServer/KeepAlive/Enabled", "'True'", "true, false"}},
      {inRoot("<IOHandlerOptions><IOHandlerType>iohFast</IOHandlerType></IOHandlerOptions>"),
       {"TIocpTCPServer/IOHandlerOptions/IOHandlerType", "'iohFast'", "iohDefault, iohIOCP"}},
      {inRoot("<IOHandlerOptions><IOCP><Backend>io_uring</Backend></IOCP></IOHandlerOptions>"),
       {"TIocpTCPServer/IOHandlerOptions/IOCP/Backend", "'io_uring'", "allowed values: ibDefault, ibIoUring"}},
      {inRoot("<Heartbeat><Mode>1</Mode></Heartbeat>"),
       {"TIocpTCPServer/Heartbeat/Mode", "'1'", "hbAlways, hbWhenIdle"}},
      {inRoot("<Heartbeat><Interval>0</Interval></Heartbeat>"),
       {"TIocpTCPServer/Heartbeat/Interval", "'0'", "1..2147483647"}},
      {inRoot("<Heartbeat><Payload>PING\\q</Payload></Heartbeat>"),
       {"TIocpTCPServer/Heartbeat/Payload", "'PING\\q'", "unknown escape '\\q'", "\\r \\n \\t \\xHH"}},
      {inRoot("<MaxConnectionReply>\\x4</MaxConnectionReply>"),
       {"TIocpTCPServer/MaxConnectionReply", "unknown escape '\\x4'", "\\xHH"}},
      {inRoot("<Bindings><Binding IP=\"127.0.0.1\" Port=\"65536\"/></Bindings>"),
       {"TIocpTCPServer/Bindings/Binding[1]/@Port", "'65536'", "0..65535"}},
      {inRoot("<IdleTimeout>-5</IdleTimeout>"), {"TIocpTCPServer/IdleTimeout", "'-5'", "0..2147483647"}},
  };
  for (const Case& c : cases) {
    const LoadError e = loadError(c.xml);
    expectContains(e.message, c.parts);
    EXPECT_EQ(e.message.find("XML configuration: "), 0u) << e.message;
    EXPECT_EQ(e.message.find(e.path + ": "), std::string("XML configuration: ").size()) << e.message;
  }
}

TEST(XmlConfig, AFailedLoadChangesNothing) {
  TIocpTCPServer s;
  changeEverything(s);
  const std::string before = s.SaveToXmlString();
  // Good values first, the bad one last: none of them is applied.
  const LoadError e = loadError(s, inRoot("<DefaultPort>1</DefaultPort><Bindings/><UseNagle>true</UseNagle>"
                                          "<UserTimeout>x</UserTimeout>"));
  expectContains(e.message, {"TIocpTCPServer/UserTimeout"});
  EXPECT_EQ(s.SaveToXmlString(), before);
}

TEST(XmlConfig, UnknownElementsAndAttributesAreRejectedWithTheirPath) {
  LoadError e = loadError(inRoot("<Heartbeat><Period>5</Period></Heartbeat>"));
  expectContains(e.message, {"TIocpTCPServer/Heartbeat/Period", "unknown element",
                             "Enabled, Interval, Timeout, Mode, Payload"});
  EXPECT_EQ(e.path, "TIocpTCPServer/Heartbeat/Period");
  e = loadError(inRoot("<OnExecute>Echo</OnExecute>"));  // Events are not configuration.
  expectContains(e.message, {"TIocpTCPServer/OnExecute", "unknown element", "DefaultPort, Bindings"});
  e = loadError(inRoot("<IOHandlerOptions><IOCPThreads>2</IOCPThreads></IOHandlerOptions>"));
  expectContains(e.message, {"TIocpTCPServer/IOHandlerOptions/IOCPThreads", "IOHandlerType, IOCP"});
  e = loadError(inRoot("<Bindings><Bind IP=\"x\"/></Bindings>"));
  expectContains(e.message, {"TIocpTCPServer/Bindings/Bind", "allowed here: Binding"});
  e = loadError(inRoot("<Bindings><Binding IP=\"x\"/><Binding Adress=\"x\"/></Bindings>"));
  expectContains(e.message, {"TIocpTCPServer/Bindings/Binding[2]/@Adress", "unknown attribute", "IP, Port"});
  e = loadError(inRoot("<DefaultPort unit=\"tcp\">1</DefaultPort>"));
  expectContains(e.message, {"TIocpTCPServer/DefaultPort/@unit", "unknown attribute"});
  e = loadError(inRoot("<DefaultPort><Value>1</Value></DefaultPort>"));
  expectContains(e.message, {"TIocpTCPServer/DefaultPort/Value", "unknown element"});
  e = loadError(inRoot("<DefaultPort>1</DefaultPort><DefaultPort>2</DefaultPort>"));
  expectContains(e.message, {"TIocpTCPServer/DefaultPort", "more than once"});
  e = loadError(inRoot("<KeepAlive>on<Enabled>true</Enabled></KeepAlive>"));
  expectContains(e.message, {"TIocpTCPServer/KeepAlive", "'on'", "only elements"});
  e = loadError("<TIdTCPServer><DefaultPort>1</DefaultPort></TIdTCPServer>");
  expectContains(e.message, {"root element is <TIdTCPServer>", "expected <TIocpTCPServer>"});
}

TEST(XmlConfig, MalformedXmlGivesTheParsersDescriptionAndWhere) {
  LoadError e = loadError("<TIocpTCPServer>\n  <DefaultPort>1</DefaultPrt>\n</TIocpTCPServer>");
  expectContains(e.message, {"malformed XML", "Start-end tags mismatch", "byte offset 35", "line 2, column 19"});
  e = loadError("");
  expectContains(e.message, {"malformed XML", "No document element"});
  e = loadError("<TIocpTCPServer><DefaultPort>1</DefaultPort>");
  expectContains(e.message, {"malformed XML", "byte offset"});
}

TEST(XmlConfig, LoadWhileActiveRaisesAndSaveWritesTheBoundPort) {
  TIocpTCPServer s;
  s.Bindings.Add().IP = "127.0.0.1";
  s.OnExecute = [](TIocpContext* AContext) {
    AContext->Connection->IOHandler->WriteLn(AContext->Connection->IOHandler->ReadLn());
  };
  s.Active = true;
  const uint16_t port = s.Bindings[0].Port;
  const std::string saved = s.SaveToXmlString();
  expectContains(loadError(s, saved).message, {"while the server is active", "Active = false"});
  s.Active = false;
  EXPECT_NE(saved.find("Port=\"" + std::to_string(port) + "\""), std::string::npos) << saved;
  s.LoadFromXmlString(saved);  // Inactive again: fine.
}

TEST(XmlConfig, SaveRefusesAValueALoadWouldReject) {
  TIocpTCPServer s;
  s.IOHandlerOptions.IOCP.IOCPThreads = -1;
  try {
    (void)s.SaveToXmlString();
    FAIL() << "no EIocpConfigError";
  } catch (const EIocpConfigError& e) {
    expectContains(e.what(), {"TIocpTCPServer/IOHandlerOptions/IOCP/IOCPThreads", "-1", "0..1024"});
  }
}

TEST(XmlConfig, FilesAreSavedAndLoadedInATemporaryDirectory) {
  TempDir dir;
  const std::string file = (dir.path / "server.xml").string();
  TIocpTCPServer a;
  changeEverything(a);
  a.SaveToXml(file);
  EXPECT_EQ(readFile(file), a.SaveToXmlString());
  TIocpTCPServer b;
  b.LoadFromXml(file);
  expectSameOptions(a, b);

  // Errors from a file name the file.
  std::ofstream(dir.path / "bad.xml") << inRoot("<UseNagle>maybe</UseNagle>");
  try {
    b.LoadFromXml((dir.path / "bad.xml").string());
    FAIL() << "no EIocpConfigError";
  } catch (const EIocpConfigError& e) {
    expectContains(e.what(), {"bad.xml", "TIocpTCPServer/UseNagle", "'maybe'", "true, false"});
  }
  try {
    b.LoadFromXml((dir.path / "missing.xml").string());
    FAIL() << "no EIocpConfigError";
  } catch (const EIocpConfigError& e) {
    expectContains(e.what(), {"missing.xml", "cannot open"});
  }
  try {
    a.SaveToXml((dir.path / "no-such-dir" / "x.xml").string());
    FAIL() << "no EIocpConfigError";
  } catch (const EIocpConfigError& e) {
    expectContains(e.what(), {"x.xml", "cannot write"});
  }
}

// A configuration loaded from XML runs the server: its engine and backend, its binding, its
// heartbeat payload (whose CR LF must arrive as written).
class XmlConfigServes : public ::testing::TestWithParam<Iocp::TIdIOHandlerType> {};

TEST_P(XmlConfigServes, ALoadedConfigurationEchoesALineAndSendsItsPayload) {
  Iocp::TIocpTCPServer s;
  s.LoadFromXmlString(std::string("<?xml version=\"1.0\"?>\n<TIocpTCPServer>\n"
                                  "  <Bindings><Binding IP=\"127.0.0.1\" Port=\"0\"/></Bindings>\n"
                                  "  <IOHandlerOptions>\n    <IOHandlerType>") +
                      (GetParam() == iohIOCP ? "iohIOCP" : "iohDefault") +
                      "</IOHandlerType>\n"
                      "    <IOCP><IOCPThreads>2</IOCPThreads><Backend>ibIoUring</Backend></IOCP>\n"
                      "  </IOHandlerOptions>\n"
                      "  <Heartbeat><Enabled>true</Enabled><Interval>300</Interval><Mode>hbWhenIdle</Mode>"
                      "<Payload>PING\\r\\n</Payload></Heartbeat>\n"
                      "</TIocpTCPServer>\n");
  ASSERT_EQ(s.IOHandlerOptions.IOHandlerType, GetParam());
  ASSERT_EQ(s.IOHandlerOptions.IOCP.Backend, ibIoUring);  // Served by io_uring, or by epoll where refused.
  s.OnExecute = [](Iocp::TIocpContext* AContext) {
    auto* io = AContext->Connection->IOHandler;
    io->WriteLn(io->ReadLn());
  };
  s.Active = true;
  // What serves is what the file asked for: threads for iohDefault; for iohIOCP io_uring, or
  // epoll with the reason where the kernel refuses it.
  if (GetParam() == iohIOCP) {
    EXPECT_TRUE(testing_support::namesTheCompletionBackend(s.ActiveBackend(), true)) << s.ActiveBackend();
  } else {
    EXPECT_EQ(s.ActiveBackend(), "threads");
  }
  ASSERT_EQ(s.Bindings[0].IP, "127.0.0.1");
  ASSERT_NE(s.Bindings[0].Port, 0);
  {
    Iocp::TIocpTCPClient c;
    c.ReadTimeout = 5000;
    c.Connect("127.0.0.1", s.Bindings[0].Port);
    c.IOHandler->WriteLn("hello from a configured server");
    // Read byte by byte until both the echo and a ping arrived, in whichever order.
    std::string got;
    while (got.find("hello from a configured server\r\n") == std::string::npos ||
           got.find("PING\r\n") == std::string::npos) {
      got += c.IOHandler->ReadChar();  // EIdReadTimeout after 5 s fails the test.
    }
    c.Disconnect();
  }
  s.Active = false;
}

INSTANTIATE_FOR_BOTH_ENGINES(XmlConfigServes);

}  // namespace

// The reader on malformed input: mutations of the committed seeds (xml_corpus/) either load or
// raise EIocpConfigError, never anything else, and a failed load leaves the options as they were.
TEST(XmlConfig, MutatedFilesLoadOrFailWithAConfigErrorNeverWorse) {
  const std::vector<std::string> pieces = {"<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", "&", "&amp;",
                                           "&#0;", "\"", "'", "=", "<Binding ", "<IOCP>", "</IOCP>", "\\x", "\\",
                                           "-1", "99999999999999999999", "true", "iohIOCP", std::string(1, '\0'),
                                           "\xEF\xBB\xBF", "\xFF\xFE"};
  std::vector<std::string> seeds;
  for (const char* name : {"full.xml", "partial.xml"}) seeds.push_back(readFile(std::filesystem::path(IOCP_XML_CORPUS) / name));
  TIocpTCPServer reference;
  const std::string defaults = reference.SaveToXmlString();
  seeds.push_back(defaults);
  for (const auto& seed : seeds) ASSERT_FALSE(seed.empty());
  std::mt19937 rng(20261201);
  int loaded = 0, rejected = 0;
  for (int i = 0; i < 6000; ++i) {
    const std::string input = iocp_test::mutate(seeds[static_cast<std::size_t>(i) % seeds.size()], rng, pieces);
    TIocpTCPServer s;
    try {
      s.LoadFromXmlString(input);
      ++loaded;
      (void)s.SaveToXmlString();
    } catch (const EIocpConfigError&) {
      ++rejected;
      ASSERT_EQ(s.SaveToXmlString(), defaults) << "a failed load changed options: " << input;
    }
  }
  std::printf("%d mutated files: %d loaded, %d rejected\n", loaded + rejected, loaded, rejected);
  EXPECT_GT(loaded, 0);
  EXPECT_GT(rejected, 0);
}
