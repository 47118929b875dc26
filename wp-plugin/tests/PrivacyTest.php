<?php
/**
 * WordPress's privacy tools reach Sapa: Tools → Export / Erase Personal Data run the plugin's exporter and
 * eraser through WordPress's own AJAX handlers (as the Tools screens call them), with Sapa answered at
 * WordPress's HTTP layer.
 *
 * @package Sapa
 */

/**
 * The exporter and eraser.
 */
class PrivacyTest extends Sapa_Test_Case {

	use Sapa_Privacy_Tools;

	const EMAIL = 'siti@example.com';

	const CUSTOMER = '2b7e1516-28ae-4d2a-a6f7-15880923c0de';

	/**
	 * Runs Sapa's eraser.
	 *
	 * @return array The JSON WordPress answered.
	 */
	private function erase_in_tools() {
		list( $index ) = $this->tool_index( 'erase' );
		return $this->run_tool( 'erase', $this->user_request( self::EMAIL, 'erase' ), $index );
	}

	public function test_the_exporter_brings_sapa_data_into_wordpress_export() {
		$this->as_admin();
		$this->given_connected();
		$this->answer_sapa(
			function ( $method, $path ) {
				return array(
					200,
					array(
						'customers' => array(
							array(
								'id'   => self::CUSTOMER,
								'data' => array(
									'customers' => array(
										array(
											'id'    => self::CUSTOMER,
											'phone' => '+6281234567890',
											'email' => self::EMAIL,
										),
									),
									'messages'  => array(
										array(
											'id'    => 'a1',
											'body'  => 'Where is my order?',
											'media' => array(),
										),
										array(
											'id'    => 'a2',
											'body'  => 'It ships today.',
											'media' => array( array( 'content_type' => 'image/jpeg' ) ),
										),
									),
								),
							),
						),
					),
				);
			}
		);

		// Every exporter in turn, as the Tools screen runs them; the last one writes the export file.
		$request            = $this->user_request( self::EMAIL, 'export' );
		list( $sapa, $count ) = $this->tool_index( 'export' );
		for ( $index = 1; $index <= $count; $index++ ) {
			$json = $this->run_tool( 'export', $request, $index );
			$this->assertTrue( $json['success'], wp_json_encode( $json ) );
			if ( $index === $sapa ) {
				$items = $json['data']['data'];
			}
		}

		$calls = $this->requests_to( 'GET', '/stores/me/customers/export?email=siti%40example.com' );
		$this->assertCount( 1, $calls );
		$this->assertSame( 'Bearer ' . self::API_KEY, $calls[0]['headers']['Authorization'] );
		$this->assertSame( array( 'sapa-customers', 'sapa-messages', 'sapa-messages' ), array_column( $items, 'group_id' ) );
		$this->assertSame( 'Sapa: WhatsApp messages', $items[1]['group_label'] );
		$this->assertContains( array( 'name' => 'phone', 'value' => '+6281234567890' ), $items[0]['data'] );
		$this->assertContains( array( 'name' => 'body', 'value' => 'Where is my order?' ), $items[1]['data'] );
		$this->assertContains( array( 'name' => 'media', 'value' => '[{"content_type":"image\/jpeg"}]' ), $items[2]['data'] );
		$this->assertNotContains( 'media', array_column( $items[1]['data'], 'name' ), 'empty values are left out' );

		// The file WordPress gives the person holds Sapa's data.
		$this->assertArrayHasKey( 'url', $json['data'], 'the last exporter produced the export file' );
		$file = wp_privacy_exports_dir() . basename( $json['data']['url'] );
		$zip  = new ZipArchive();
		$this->assertTrue( $zip->open( $file ) );
		$html = $zip->getFromName( 'index.html' );
		$zip->close();
		wp_delete_file( $file );
		$this->assertStringContainsString( 'Sapa: WhatsApp messages', $html );
		$this->assertStringContainsString( 'Where is my order?', $html );
	}

	public function test_the_eraser_asks_sapa_to_erase_the_customer_and_reports_it() {
		$this->as_admin();
		$this->given_connected();
		$this->answer_sapa(
			function () {
				return array(
					200,
					array(
						'customers' => array(
							array(
								'id'     => self::CUSTOMER,
								'erased' => array(
									'messages'  => 2,
									'customers' => 1,
								),
							),
						),
					),
				);
			}
		);

		$json = $this->erase_in_tools();

		$this->assertTrue( $json['success'], wp_json_encode( $json ) );
		$calls = $this->requests_to( 'POST', '/stores/me/customers/erase' );
		$this->assertCount( 1, $calls );
		$this->assertSame( array( 'email' => self::EMAIL ), json_decode( $calls[0]['body'], true ) );
		$this->assertSame( 'Bearer ' . self::API_KEY, $calls[0]['headers']['Authorization'] );
		$this->assertTrue( $json['data']['items_removed'] );
		$this->assertTrue( $json['data']['items_retained'], 'orders stay in Sapa for the books' );
		$this->assertStringContainsString( 'Sapa erased 1 WhatsApp customer', $json['data']['messages'][0] );
	}

	public function test_an_unknown_email_erases_nothing() {
		$this->as_admin();
		$this->given_connected();
		$this->answer_sapa(
			function () {
				return array( 200, array( 'customers' => array() ) );
			}
		);
		$json = $this->erase_in_tools();
		$this->assertTrue( $json['success'] );
		$this->assertFalse( $json['data']['items_removed'] );
		$this->assertSame( array(), $json['data']['messages'] );
	}

	public function test_a_sapa_refusal_is_shown_as_the_tool_error() {
		$this->as_admin();
		$this->given_connected();
		$this->answer_sapa(
			function () {
				return array( 401, array( 'detail' => 'this API key was revoked: the shop was disconnected from Sapa' ) );
			}
		);
		$json = $this->erase_in_tools();
		$this->assertFalse( $json['success'] );
		$this->assertStringContainsString( 'no longer accepts', wp_json_encode( $json['data'] ) );
	}

	public function test_not_connected_the_tools_find_nothing_in_sapa_and_call_nobody() {
		$this->as_admin();
		list( $index ) = $this->tool_index( 'export' );
		$json           = $this->run_tool( 'export', $this->user_request( self::EMAIL, 'export' ), $index );
		$this->assertTrue( $json['success'] );
		$this->assertSame( array(), $json['data']['data'] );
		$this->assertSame( array(), $this->requests );
	}
}
